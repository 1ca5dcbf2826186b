/*
 * Fetching feeds over HTTP: many transfers at once on one libcurl multi
 * handle, politely. At most `per_host` transfers run against one host (a
 * scheme, host and port) and `parallel` in all; a request waits in its
 * host's queue until a slot frees. Only http:// and https:// are ever
 * spoken, on every hop. Redirects are followed here, hop by hop (at most
 * 5, a loop is an error), so that the caller learns whether every hop was
 * permanent (301/308): only then has the feed moved.
 *
 * Each request may carry the validators of its last 200, which go out
 * unchanged as If-None-Match and If-Modified-Since. Bodies are accepted
 * compressed (gzip, deflate, br, zstd: whatever libcurl was built with),
 * capped after decompression at `max_bytes`, and kept only for a 200.
 * No cookies are kept and no Referer is sent.
 *
 * The caller gets each result through a callback as soon as its transfer
 * ends, while the others go on, so that at most `parallel` bodies are held
 * in memory at a time.
 */
#ifndef CHORUS_FETCH_H
#define CHORUS_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "chorus/buf.h"
#include "chorus/error.h"

#define CHORUS_FETCH_MAX_REDIRECTS 5

struct chorus_fetch_options {
	long per_host;		/* transfers at once to one host; 0: 2 */
	long parallel;		/* transfers at once in all; 0: 50 */
	long connect_timeout;	/* seconds; 0: 15 */
	long timeout;		/* seconds for the whole transfer; 0: 60 */
	size_t max_bytes;	/* body cap after decoding; 0: 16 MiB */
	const char *user_agent; /* NULL: "chorus/VERSION" */
	const char *ca_file; /* PEM certificates trusted besides the system's */
	/*
	 * For a caller that works on bodies elsewhere (worker threads) and
	 * must be woken for their results. Any may be NULL / -1:
	 *   wake_fd  a descriptor whose readability wakes the loop;
	 *   tick     called when wake_fd woke the loop, on the calling thread;
	 *            non-zero stops the run with that value;
	 *   admit    asked before a transfer starts; 0 holds it back (so
	 *            that bodies waiting for the workers stay bounded).
	 */
	int wake_fd;
	int (*tick)(void *ctx);
	int (*admit)(void *ctx);
};

struct chorus_fetch_request {
	const char *url;	   /* http:// or https:// */
	const char *etag;	   /* sent as If-None-Match, or NULL */
	const char *last_modified; /* sent as If-Modified-Since, or NULL */
	void *user;		   /* the caller's, untouched */
};

struct chorus_fetch_result {
	int status; /* the last HTTP status, 0 when none came */
	int error;  /* 0, or CHORUS_ENET / CHORUS_ETOOBIG / CHORUS_EINVAL */
	char message[256];     /* what went wrong, when error is set */
	const char *final_url; /* where the last response came from */
	int redirects;	       /* hops followed */
	int permanent;	       /* redirects > 0 and every hop was 301 or 308 */
	/* Response headers of the last response, raw (NULL when absent): */
	const char *etag;
	const char *last_modified;
	const char *content_type;
	/* Freshness the server gave, in seconds from now; -1 when none. */
	int64_t max_age;	/* Cache-Control max-age, else Expires - Date */
	int64_t retry_after;	/* Retry-After (seconds or a date), -1: none */
	struct chorus_buf body; /* the body of a 200; empty otherwise */
	int64_t bytes;		/* body bytes received (all hops, decoded) */
	int64_t started;	/* when the first request went out (epoch s) */
	long ms;		/* how long it took, all hops */
};

/*
 * Called once per request as its transfer ends, in the order they end.
 * res and its strings are borrowed for the call; the callback may take
 * res->body's memory (chorus_buf_detach). Returning non-zero stops the
 * whole run, which then returns that value (the callback fills the err
 * it was given).
 */
typedef int (*chorus_fetch_done_cb)(void *ctx,
				    const struct chorus_fetch_request *req,
				    struct chorus_fetch_result *res);

/* Options with every default, and no wake_fd. */
void chorus_fetch_options_init(struct chorus_fetch_options *opt);

/*
 * Fetch every request of reqs[0..n), calling done for each. Fails only
 * when libcurl cannot be set up or the callback stops the run; a failed
 * transfer is a result like any other.
 */
int chorus_fetch_run(const struct chorus_fetch_options *opt,
		     const struct chorus_fetch_request *reqs, size_t n,
		     chorus_fetch_done_cb done, void *ctx,
		     struct chorus_err *err);

/*
 * Read a Retry-After value (delta-seconds or an HTTP-date) as seconds
 * from now; -1 when it cannot be read. A date in the past gives 0.
 */
int64_t chorus_fetch_retry_after(const char *value, int64_t now);

/*
 * The max-age of a Cache-Control value ("public, max-age=600"), or -1.
 * no-cache and no-store give 0.
 */
int64_t chorus_fetch_max_age(const char *value);

#endif
