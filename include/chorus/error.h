/*
 * Errors and diagnostics shared by every chorus module.
 *
 * Every fallible function returns 0 on success or a negative
 * enum chorus_error. When the caller passes a struct chorus_err, the
 * function fills it with one line a person can act on, shaped
 * "what:where: what went wrong" (for example "seeds/a.txt:3: bad date").
 * Numbers are never reused: add new codes at the end.
 *
 * The library never prints. Things worth telling that are not failures
 * (a file skipped, a date repaired) go to a struct chorus_report, whose
 * callback the command-line tool points at stderr.
 */
#ifndef CHORUS_ERROR_H
#define CHORUS_ERROR_H

#include <stdarg.h>

enum chorus_error {
	CHORUS_OK = 0,
	CHORUS_ENOMEM = -1, /* an allocation failed */
	CHORUS_EIO = -2, /* a file or directory could not be read or written */
	CHORUS_EPARSE =
	    -3, /* input could not be read as what it claims to be */
	CHORUS_EINVAL = -4,  /* a caller passed something that makes no sense */
	CHORUS_ETOOBIG = -5, /* input over a size cap */
	CHORUS_ELOCKED = -6, /* another run holds the site's lock */
	CHORUS_ENOTFOUND = -7, /* a file, key or name does not exist */
	CHORUS_EDB = -8,       /* the SQLite state failed */
	CHORUS_ETEMPLATE = -9, /* a template could not be parsed or rendered */
	CHORUS_ECONFIG = -10,  /* chorus.ini or an option is wrong */
	CHORUS_ENET = -11,     /* a transfer failed */
	CHORUS_EBINARY = -12,  /* a text file holds binary data */
	CHORUS_EEMPTY = -13,   /* a file holds nothing to read */
};

/* One error message, owned by the caller (usually on its stack). */
struct chorus_err {
	int code;
	char msg[512];
};

/*
 * Fill err (which may be NULL) with code and a printf-style message.
 * Returns code, so that `return chorus_err_set(err, CHORUS_EIO, ...)`
 * reads as one statement.
 */
int chorus_err_set(struct chorus_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix err's message with "prefix: " (for example a file name). */
void chorus_err_prefix(struct chorus_err *err, const char *prefix);

/* A short fixed description of code ("out of memory"). */
const char *chorus_strerror(int code);

enum chorus_report_level {
	CHORUS_REPORT_INFO, /* progress worth a line with -v */
	CHORUS_REPORT_WARN, /* input repaired or skipped; the run goes on */
	CHORUS_REPORT_FAIL, /* a source failed; the run goes on, exit 1 */
};

/*
 * Where the library tells what it noticed. Any member may be NULL/zero.
 * `progress` is called with done/total as long work advances.
 */
struct chorus_report {
	void (*message)(void *ctx, enum chorus_report_level level,
			const char *line);
	void (*progress)(void *ctx, const char *what, long done, long total);
	void *ctx;
	long warnings; /* counted by chorus_report_say() */
	long failures;
};

void chorus_report_say(struct chorus_report *r, enum chorus_report_level level,
		       const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void chorus_report_progress(struct chorus_report *r, const char *what,
			    long done, long total);

#endif
