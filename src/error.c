/*
 * Error messages and the report channel (see include/chorus/error.h).
 */
#include <stdio.h>
#include <string.h>

#include "chorus/error.h"

int chorus_err_set(struct chorus_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void chorus_err_prefix(struct chorus_err *err, const char *prefix)
{
	char tmp[sizeof(err->msg)];

	if (!err || !prefix)
		return;
	/* A message cut at the end is fine; checking n tells gcc we know. */
	if (snprintf(tmp, sizeof(tmp), "%s: %s", prefix, err->msg) < 0)
		return;
	memcpy(err->msg, tmp, sizeof(tmp));
}

/* Indexed by -code. */
static const char *const messages[] = {
    "success",
    "out of memory",
    "input/output error",
    "cannot parse input",
    "invalid argument",
    "input too large",
    "another run holds the lock",
    "not found",
    "state database error",
    "template error",
    "configuration error",
    "network error",
    "binary data in a text file",
    "empty input",
};

const char *chorus_strerror(int code)
{
	size_t i = code <= 0 ? (size_t)-code : 0;

	if (i >= sizeof(messages) / sizeof(messages[0]))
		return "unknown error";
	return messages[i];
}

void chorus_report_say(struct chorus_report *r, enum chorus_report_level level,
		       const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!r)
		return;
	if (level == CHORUS_REPORT_WARN)
		r->warnings++;
	else if (level == CHORUS_REPORT_FAIL)
		r->failures++;
	if (!r->message)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r->message(r->ctx, level, line);
}

void chorus_report_progress(struct chorus_report *r, const char *what,
			    long done, long total)
{
	if (r && r->progress)
		r->progress(r->ctx, what, done, total);
}
