/*
 * The HTTP fetcher (see include/chorus/fetch.h): one libcurl multi handle
 * driving every transfer, a scheduler that keeps each host under its cap,
 * and redirects followed by hand so that every hop is checked (scheme,
 * loop, count) and its status seen.
 *
 * Scheduling: every request waits in the queue of its host; whenever
 * transfers end, hosts are visited round-robin and each one with room
 * starts its next request, until `parallel` transfers run. A redirect to
 * another host queues the transfer again there, so the cap holds for the
 * host actually contacted.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "chorus/date.h"
#include "chorus/fetch.h"

struct host {
	char *key;    /* "scheme://host:port" */
	long active;  /* transfers running */
	size_t *wait; /* indices of waiting transfers, FIFO ring */
	size_t wait_head, wait_n, wait_cap;
};

struct xfer {
	const struct chorus_fetch_request *req;
	CURL *easy;
	struct curl_slist *headers;
	char *url;	/* the URL of the current hop */
	char **visited; /* URLs of the hops so far, for loops */
	size_t host;	/* index of the current hop's host */
	int running;
	int too_big;
	int all_permanent;
	struct chorus_fetch_result res;
	/* Headers of the current response, replaced by every status line: */
	char *etag, *last_modified, *content_type, *cache_control, *expires,
	    *date, *retry_after;
	int64_t started_ms;
};

struct fetcher {
	const struct chorus_fetch_options *opt;
	CURLM *multi;
	struct xfer *x;
	size_t n;
	struct host *hosts;
	size_t n_hosts, cap_hosts;
	size_t cursor; /* round-robin position among hosts */
	long active;
	size_t max_bytes;
	long per_host, parallel;
	char *user_agent;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The scheme://host:port of url in a new string, or NULL if unusable. */
static char *host_key(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *key = NULL;
	struct chorus_buf b = CHORUS_BUF_INIT;

	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT))
		goto out;
	if (strcasecmp(scheme, "http") && strcasecmp(scheme, "https"))
		goto out;
	if (!chorus_buf_printf(&b, "%s://%s:%s", scheme, host, port))
		key = chorus_buf_detach(&b, NULL);
out:
	chorus_buf_release(&b);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return key;
}

static int host_index(struct fetcher *f, const char *key, size_t *out)
{
	size_t i;
	struct host *h;

	for (i = 0; i < f->n_hosts; i++)
		if (!strcmp(f->hosts[i].key, key)) {
			*out = i;
			return 0;
		}
	if (f->n_hosts == f->cap_hosts) {
		size_t c = f->cap_hosts ? f->cap_hosts * 2 : 16;

		h = realloc(f->hosts, c * sizeof(*h));
		if (!h)
			return CHORUS_ENOMEM;
		f->hosts = h;
		f->cap_hosts = c;
	}
	h = &f->hosts[f->n_hosts];
	memset(h, 0, sizeof(*h));
	h->key = chorus_strdup(key);
	if (!h->key)
		return CHORUS_ENOMEM;
	*out = f->n_hosts++;
	return 0;
}

/* Queue transfer i behind the others of host hi (front when urgent). */
static int host_push(struct fetcher *f, size_t hi, size_t i, int front)
{
	struct host *h = &f->hosts[hi];

	if (h->wait_n == h->wait_cap) {
		size_t c = h->wait_cap ? h->wait_cap * 2 : 8, k;
		size_t *w = malloc(c * sizeof(*w));

		if (!w)
			return CHORUS_ENOMEM;
		for (k = 0; k < h->wait_n; k++)
			w[k] = h->wait[(h->wait_head + k) % h->wait_cap];
		free(h->wait);
		h->wait = w;
		h->wait_cap = c;
		h->wait_head = 0;
	}
	if (front) {
		h->wait_head = (h->wait_head + h->wait_cap - 1) % h->wait_cap;
		h->wait[h->wait_head] = i;
	} else {
		h->wait[(h->wait_head + h->wait_n) % h->wait_cap] = i;
	}
	h->wait_n++;
	return 0;
}

static void set_str(char **slot, const char *s, size_t n)
{
	free(*slot);
	*slot = chorus_strndup(s, n);
}

static void clear_headers(struct xfer *x)
{
	free(x->etag);
	free(x->last_modified);
	free(x->content_type);
	free(x->cache_control);
	free(x->expires);
	free(x->date);
	free(x->retry_after);
	x->etag = x->last_modified = x->content_type = NULL;
	x->cache_control = x->expires = x->date = x->retry_after = NULL;
}

/* The headers chorus reads, and where each goes. */
static char **header_slot(struct xfer *x, const char *name, size_t n)
{
	static const struct {
		const char *name;
		size_t offset;
	} slots[] = {
	    {"cache-control", offsetof(struct xfer, cache_control)},
	    {"content-type", offsetof(struct xfer, content_type)},
	    {"date", offsetof(struct xfer, date)},
	    {"etag", offsetof(struct xfer, etag)},
	    {"expires", offsetof(struct xfer, expires)},
	    {"last-modified", offsetof(struct xfer, last_modified)},
	    {"retry-after", offsetof(struct xfer, retry_after)},
	};
	size_t i;

	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (strlen(slots[i].name) == n &&
		    !strncasecmp(slots[i].name, name, n))
			return (char **)((char *)x + slots[i].offset);
	return NULL;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *user)
{
	struct xfer *x = user;
	size_t len = size * nmemb, n, vs, ve;
	const char *colon;
	char **slot;

	if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
		/* A new response (after a 1xx, or a hop): forget the last. */
		clear_headers(x);
		return len;
	}
	colon = memchr(data, ':', len);
	if (!colon)
		return len;
	n = (size_t)(colon - data);
	slot = header_slot(x, data, n);
	if (!slot)
		return len;
	vs = n + 1;
	ve = len;
	while (vs < ve && (data[vs] == ' ' || data[vs] == '\t'))
		vs++;
	while (ve > vs && isspace((unsigned char)data[ve - 1]))
		ve--;
	/* The raw value, byte for byte, as it must go back. */
	set_str(slot, data + vs, ve - vs);
	return len;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
	struct xfer *x = user;
	size_t len = size * nmemb;
	long code = 0;

	x->res.bytes += (int64_t)len;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200)
		return len; /* only a 200's body is kept */
	if (chorus_buf_add(&x->res.body, data, len)) {
		x->too_big = 1;
		return 0; /* aborts the transfer */
	}
	return len;
}

static int add_header(struct curl_slist **list, const char *name,
		      const char *value)
{
	struct chorus_buf b = CHORUS_BUF_INIT;
	struct curl_slist *l;
	int rc = chorus_buf_printf(&b, "%s: %s", name, value);

	if (rc)
		return rc;
	l = curl_slist_append(*list, b.data);
	chorus_buf_release(&b);
	if (!l)
		return CHORUS_ENOMEM;
	*list = l;
	return 0;
}

/* Set up x's easy handle for its current URL and add it to the multi. */
static int start(struct fetcher *f, struct xfer *x)
{
	const struct chorus_fetch_options *o = f->opt;
	CURL *e = x->easy;
	int rc = 0;

	if (!e) {
		e = x->easy = curl_easy_init();
		if (!e)
			return CHORUS_ENOMEM;
		if (x->req->etag)
			rc = add_header(&x->headers, "If-None-Match",
					x->req->etag);
		if (!rc && x->req->last_modified)
			rc = add_header(&x->headers, "If-Modified-Since",
					x->req->last_modified);
		if (!rc)
			rc = add_header(&x->headers, "Accept",
					"application/atom+xml, "
					"application/rss+xml, "
					"application/feed+json, "
					"application/xml;q=0.9, "
					"text/xml;q=0.9, */*;q=0.8");
		if (rc)
			return rc;
		curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
		curl_easy_setopt(e, CURLOPT_USERAGENT, f->user_agent);
		/*
		 * CAINFO names a bundle; the system's certificates stay
		 * trusted through libcurl's CA path (/etc/ssl/certs).
		 */
		if (o->ca_file)
			curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
				 o->connect_timeout > 0 ? o->connect_timeout
							: 15L);
		curl_easy_setopt(e, CURLOPT_TIMEOUT,
				 o->timeout > 0 ? o->timeout : 60L);
		curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
				 (long)CURL_HTTP_VERSION_2TLS);
		curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
				 (curl_off_t)f->max_bytes);
		curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
		curl_easy_setopt(e, CURLOPT_PRIVATE, x);
		x->started_ms = now_ms();
		x->res.started = (int64_t)time(NULL);
	}
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	/*
	 * Over TLS, wait for a connection being set up to learn (by ALPN)
	 * whether it multiplexes HTTP/2 rather than open another. Over
	 * plain http that is known only after a response, so waiting would
	 * queue a feed behind a slow one.
	 */
	curl_easy_setopt(e, CURLOPT_PIPEWAIT,
			 (long)!strncmp(x->url, "https:", 6));
	if (curl_multi_add_handle(f->multi, e) != CURLM_OK)
		return CHORUS_ENOMEM;
	x->running = 1;
	f->hosts[x->host].active++;
	f->active++;
	return 0;
}

/* Start waiting transfers while there is room, round-robin over hosts. */
static int fill(struct fetcher *f, void *ctx)
{
	size_t seen;

	for (seen = 0; seen < f->n_hosts && f->active < f->parallel; seen++) {
		struct host *h;
		size_t i;
		int rc;

		if (f->opt->admit && !f->opt->admit(ctx))
			return 0;
		f->cursor = (f->cursor + 1) % f->n_hosts;
		h = &f->hosts[f->cursor];
		if (!h->wait_n || h->active >= f->per_host)
			continue;
		i = h->wait[h->wait_head];
		h->wait_head = (h->wait_head + 1) % h->wait_cap;
		h->wait_n--;
		rc = start(f, &f->x[i]);
		if (rc)
			return rc;
		seen = 0; /* something started: every host may go again */
	}
	return 0;
}

static void fail(struct xfer *x, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct xfer *x, int code, const char *fmt, ...)
{
	va_list ap;

	x->res.error = code;
	va_start(ap, fmt);
	vsnprintf(x->res.message, sizeof(x->res.message), fmt, ap);
	va_end(ap);
}

int64_t chorus_fetch_max_age(const char *value)
{
	const char *p = value;

	if (!value)
		return -1;
	while (*p) {
		size_t n;

		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		n = strcspn(p, ",");
		if (!strncasecmp(p, "no-store", 8) ||
		    !strncasecmp(p, "no-cache", 8))
			return 0;
		if (!strncasecmp(p, "max-age", 7)) {
			const char *v = p + 7;
			char *end;
			long long age;

			while (*v == ' ')
				v++;
			if (*v++ != '=')
				return -1;
			while (*v == ' ')
				v++;
			if (*v == '"')
				v++;
			age = strtoll(v, &end, 10);
			return end == v || age < 0 ? -1 : (int64_t)age;
		}
		p += n;
	}
	return -1;
}

int64_t chorus_fetch_retry_after(const char *value, int64_t now)
{
	const char *p = value;
	int64_t t;

	if (!value)
		return -1;
	while (*p == ' ')
		p++;
	if (isdigit((unsigned char)*p)) {
		char *end;
		long long v = strtoll(p, &end, 10);

		while (*end == ' ')
			end++;
		return *end || v < 0 ? -1 : (int64_t)v;
	}
	if (chorus_date_parse(p, &t))
		return -1;
	return t > now ? t - now : 0;
}

/* Move the current response's headers into the result. */
static void finish_headers(struct xfer *x)
{
	int64_t expires, date;

	x->res.etag = x->etag;
	x->res.last_modified = x->last_modified;
	x->res.content_type = x->content_type;
	x->res.max_age = chorus_fetch_max_age(x->cache_control);
	if (x->res.max_age < 0 && x->expires &&
	    !chorus_date_parse(x->expires, &expires)) {
		if (!x->date || chorus_date_parse(x->date, &date))
			date = x->res.started;
		x->res.max_age = expires > date ? expires - date : 0;
	}
	x->res.retry_after =
	    chorus_fetch_retry_after(x->retry_after, (int64_t)time(NULL));
}

/*
 * A transfer's hop ended with result cc. Returns 1 when it goes on (a
 * redirect to follow, queued again), 0 when it is finished.
 */
static int hop_done(struct fetcher *f, struct xfer *x, CURLcode cc, int *fatal)
{
	long code = 0;
	char *loc = NULL, *key;
	char **v;
	size_t i, hi;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	x->res.status = (int)code;
	x->res.final_url = x->url;
	if (x->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		char cap[32];

		snprintf(cap, sizeof(cap), "%zu", f->max_bytes);
		fail(x, CHORUS_ETOOBIG,
		     "the body is over the size cap (%s bytes)", cap);
		return 0;
	}
	if (cc == CURLE_PEER_FAILED_VERIFICATION) {
		fail(x, CHORUS_ENET,
		     "%s (served with a private CA? name its certificate in "
		     "[poll] ca_file)",
		     curl_easy_strerror(cc));
		return 0;
	}
	if (cc != CURLE_OK) {
		fail(x, CHORUS_ENET, "%s", curl_easy_strerror(cc));
		return 0;
	}
	if (code != 301 && code != 302 && code != 303 && code != 307 &&
	    code != 308)
		return 0;
	curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc);
	if (!loc) {
		fail(x, CHORUS_ENET, "%s", "a redirect without a Location");
		return 0;
	}
	if (x->res.redirects >= CHORUS_FETCH_MAX_REDIRECTS) {
		fail(x, CHORUS_ENET, "more than %s redirects", "5");
		return 0;
	}
	if (!strcmp(loc, x->url)) {
		fail(x, CHORUS_ENET, "a redirect loop (%s)", loc);
		return 0;
	}
	for (i = 0; x->visited && x->visited[i]; i++)
		if (!strcmp(x->visited[i], loc)) {
			fail(x, CHORUS_ENET, "a redirect loop (%s)", loc);
			return 0;
		}
	key = host_key(loc);
	if (!key) {
		fail(x, CHORUS_EINVAL,
		     "a redirect to %s, which is not http or https", loc);
		return 0;
	}
	v = realloc(x->visited, ((size_t)x->res.redirects + 2) * sizeof(*v));
	if (!v) {
		free(key);
		*fatal = CHORUS_ENOMEM;
		return 0;
	}
	x->visited = v;
	v[x->res.redirects] = x->url;
	v[x->res.redirects + 1] = NULL;
	x->url = chorus_strdup(loc);
	if (!x->url || host_index(f, key, &hi) ||
	    host_push(f, hi, (size_t)(x - f->x), 1)) {
		free(key);
		*fatal = CHORUS_ENOMEM;
		return 0;
	}
	free(key);
	if (code != 301 && code != 308)
		x->all_permanent = 0;
	x->res.redirects++;
	x->host = hi;
	chorus_buf_reset(&x->res.body);
	return 1;
}

static void xfer_release(struct fetcher *f, struct xfer *x)
{
	size_t i;

	if (x->easy) {
		if (x->running)
			curl_multi_remove_handle(f->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->headers);
	for (i = 0; x->visited && x->visited[i]; i++)
		free(x->visited[i]);
	free(x->visited);
	free(x->url);
	clear_headers(x);
	chorus_buf_release(&x->res.body);
	memset(x, 0, sizeof(*x));
}

static int run(struct fetcher *f, chorus_fetch_done_cb done, void *ctx,
	       struct chorus_err *err)
{
	size_t left = f->n;
	int rc = fill(f, ctx), still = 0;
	struct curl_waitfd wake;

	wake.fd = f->opt->wake_fd;
	wake.events = CURL_WAIT_POLLIN;
	wake.revents = 0;

	while (!rc && left) {
		CURLMcode mc = curl_multi_perform(f->multi, &still);
		CURLMsg *m;
		int queued;

		if (mc != CURLM_OK)
			return chorus_err_set(err, CHORUS_ENET, "libcurl: %s",
					      curl_multi_strerror(mc));
		while (!rc && (m = curl_multi_info_read(f->multi, &queued))) {
			struct xfer *x = NULL;
			int fatal = 0;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
					  (char **)&x);
			curl_multi_remove_handle(f->multi, x->easy);
			x->running = 0;
			f->hosts[x->host].active--;
			f->active--;
			if (hop_done(f, x, m->data.result, &fatal))
				continue;
			if (fatal)
				return chorus_err_set(err, fatal,
						      "out of memory");
			finish_headers(x);
			x->res.permanent =
			    x->res.redirects > 0 && x->all_permanent;
			x->res.ms = (long)(now_ms() - x->started_ms);
			/* A callback that stops the run set err itself. */
			rc = done(ctx, x->req, &x->res);
			xfer_release(f, x);
			left--;
		}
		/* The caller's workers have something: let it take it. */
		if (!rc && f->opt->tick && wake.revents) {
			wake.revents = 0;
			rc = f->opt->tick(ctx);
		}
		if (!rc)
			rc = fill(f, ctx);
		if (rc || !left)
			break;
		/* Wait for the network, or for the caller's workers. */
		if (still || f->active || wake.fd >= 0) {
			mc = curl_multi_poll(f->multi, &wake, wake.fd >= 0,
					     1000, NULL);
			if (mc != CURLM_OK)
				return chorus_err_set(err, CHORUS_ENET,
						      "libcurl: %s",
						      curl_multi_strerror(mc));
		}
	}
	if (rc == CHORUS_ENOMEM && (!err || !err->msg[0]))
		chorus_err_set(err, rc, "out of memory");
	return rc;
}

/* Requests whose URL cannot be fetched end at once, before any transfer. */
static int reject(struct fetcher *f, struct xfer *x, chorus_fetch_done_cb done,
		  void *ctx)
{
	int rc;

	fail(x, CHORUS_EINVAL,
	     "%s: only http:// and https:// URLs are "
	     "fetched",
	     x->req->url);
	x->res.final_url = x->req->url;
	x->res.max_age = x->res.retry_after = -1;
	x->res.started = (int64_t)time(NULL);
	rc = done(ctx, x->req, &x->res);
	xfer_release(f, x);
	return rc;
}

void chorus_fetch_options_init(struct chorus_fetch_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->wake_fd = -1;
}

int chorus_fetch_run(const struct chorus_fetch_options *opt,
		     const struct chorus_fetch_request *reqs, size_t n,
		     chorus_fetch_done_cb done, void *ctx,
		     struct chorus_err *err)
{
	struct fetcher f;
	struct chorus_buf ua = CHORUS_BUF_INIT;
	size_t i, hi, rejected = 0;
	int rc = 0;

	memset(&f, 0, sizeof(f));
	f.opt = opt;
	f.per_host = opt->per_host > 0 ? opt->per_host : 2;
	f.parallel = opt->parallel > 0 ? opt->parallel : 50;
	f.max_bytes = opt->max_bytes ? opt->max_bytes : (size_t)16 << 20;
	if (chorus_buf_adds(&ua, opt->user_agent ? opt->user_agent
						 : "chorus/" CHORUS_VERSION))
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	f.user_agent = chorus_buf_detach(&ua, NULL);
	if (!f.user_agent)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		free(f.user_agent);
		return chorus_err_set(err, CHORUS_ENET,
				      "libcurl could not be initialised");
	}
	f.multi = curl_multi_init();
	f.x = calloc(n ? n : 1, sizeof(*f.x));
	f.n = n;
	if (!f.multi || !f.x) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	curl_multi_setopt(f.multi, CURLMOPT_MAX_HOST_CONNECTIONS, f.per_host);
	curl_multi_setopt(f.multi, CURLMOPT_MAXCONNECTS, f.parallel);
	for (i = 0; i < n; i++) {
		struct xfer *x = &f.x[i];
		char *key;

		x->req = &reqs[i];
		x->all_permanent = 1;
		x->res.max_age = x->res.retry_after = -1;
		chorus_buf_init(&x->res.body, f.max_bytes);
		x->url = chorus_strdup(reqs[i].url);
		if (!x->url) {
			rc =
			    chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
			goto out;
		}
		key = host_key(reqs[i].url);
		if (!key) {
			rc = reject(&f, x, done, ctx);
			if (rc)
				goto out;
			rejected++;
			continue;
		}
		rc = host_index(&f, key, &hi);
		if (!rc)
			rc = host_push(&f, hi, i, 0);
		free(key);
		if (rc) {
			rc = chorus_err_set(err, rc, "out of memory");
			goto out;
		}
		x->host = hi;
	}
	f.n = n - rejected;
	rc = run(&f, done, ctx, err);
out:
	for (i = 0; f.x && i < n; i++)
		xfer_release(&f, &f.x[i]);
	for (i = 0; i < f.n_hosts; i++) {
		free(f.hosts[i].key);
		free(f.hosts[i].wait);
	}
	free(f.hosts);
	free(f.x);
	if (f.multi)
		curl_multi_cleanup(f.multi);
	curl_global_cleanup();
	free(f.user_agent);
	return rc;
}
