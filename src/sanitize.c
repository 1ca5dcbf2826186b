/*
 * The HTML sanitiser (see include/chorus/sanitize.h).
 *
 * Safety comes from rebuilding, not from filtering text: libxml2 parses
 * the input into a tree and the output is written from that tree alone,
 * element by element, through sorted allow-lists (searched with bsearch).
 * Whatever the input's quoting tricks, the output's markup is exactly
 * what the tree says, with every text and attribute value escaped, so a
 * browser parses it the same way.
 *
 * Two things are done to the text before libxml2 sees it, so that its
 * HTML 4 parser behaves like a browser on a fragment: it is put inside an
 * explicit <html><body> (without it libxml2 wraps leading text in an
 * implied <p>), stray </body> and </html> tags are dropped for the same
 * reason, and a tag cut off by the end of the input is dropped whole, as
 * an HTML5 tokenizer does, instead of being completed.
 *
 * The allow-lists of elements, attributes and CSS properties follow
 * feedparser's sanitiser (sanitizer.py), whose test cases the unit test
 * runs; <form> is left out, as are feedparser's relaxed URL schemes: only
 * http, https and mailto, or a relative URL, survive.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/uri.h>

#include "chorus/sanitize.h"

enum action {
	UNWRAP,	  /* drop the tag, keep what is inside (the default) */
	KEEP,	  /* keep the tag and its allowed attributes */
	DROP_ALL, /* drop the tag and everything inside */
};

struct element {
	const char *name;
	unsigned char action;
	bool is_void;
};

/* Sorted by name (strcmp) for bsearch. */
static const struct element elements[] = {
    {"a", KEEP, false},
    {"abbr", KEEP, false},
    {"acronym", KEEP, false},
    {"address", KEEP, false},
    {"applet", DROP_ALL, false},
    {"area", KEEP, true},
    {"article", KEEP, false},
    {"aside", KEEP, false},
    {"audio", KEEP, false},
    {"b", KEEP, false},
    {"bdi", KEEP, false},
    {"bdo", KEEP, false},
    {"big", KEEP, false},
    {"blockquote", KEEP, false},
    {"br", KEEP, true},
    {"button", KEEP, false},
    {"canvas", KEEP, false},
    {"caption", KEEP, false},
    {"center", KEEP, false},
    {"cite", KEEP, false},
    {"code", KEEP, false},
    {"col", KEEP, true},
    {"colgroup", KEEP, false},
    {"command", KEEP, true},
    {"datagrid", KEEP, false},
    {"datalist", KEEP, false},
    {"dd", KEEP, false},
    {"del", KEEP, false},
    {"details", KEEP, false},
    {"dfn", KEEP, false},
    {"dialog", KEEP, false},
    {"dir", KEEP, false},
    {"div", KEEP, false},
    {"dl", KEEP, false},
    {"dt", KEEP, false},
    {"em", KEEP, false},
    {"event-source", KEEP, false},
    {"fieldset", KEEP, false},
    {"figcaption", KEEP, false},
    {"figure", KEEP, false},
    {"font", KEEP, false},
    {"footer", KEEP, false},
    {"frame", DROP_ALL, false},
    {"frameset", DROP_ALL, false},
    {"h1", KEEP, false},
    {"h2", KEEP, false},
    {"h3", KEEP, false},
    {"h4", KEEP, false},
    {"h5", KEEP, false},
    {"h6", KEEP, false},
    {"head", DROP_ALL, false},
    {"header", KEEP, false},
    {"hr", KEEP, true},
    {"i", KEEP, false},
    {"img", KEEP, true},
    {"input", KEEP, true},
    {"ins", KEEP, false},
    {"kbd", KEEP, false},
    {"keygen", KEEP, true},
    {"label", KEEP, false},
    {"legend", KEEP, false},
    {"li", KEEP, false},
    {"m", KEEP, false},
    {"map", KEEP, false},
    {"mark", KEEP, false},
    {"math", DROP_ALL, false},
    {"menu", KEEP, false},
    {"meter", KEEP, false},
    {"multicol", KEEP, false},
    {"nav", KEEP, false},
    {"nextid", KEEP, false},
    {"noscript", KEEP, false},
    {"ol", KEEP, false},
    {"optgroup", KEEP, false},
    {"option", KEEP, false},
    {"output", KEEP, false},
    {"p", KEEP, false},
    {"pre", KEEP, false},
    {"progress", KEEP, false},
    {"q", KEEP, false},
    {"rp", KEEP, false},
    {"rt", KEEP, false},
    {"ruby", KEEP, false},
    {"s", KEEP, false},
    {"samp", KEEP, false},
    {"script", DROP_ALL, false},
    {"section", KEEP, false},
    {"select", KEEP, false},
    {"small", KEEP, false},
    {"sound", KEEP, false},
    {"source", KEEP, true},
    {"spacer", KEEP, false},
    {"span", KEEP, false},
    {"strike", KEEP, false},
    {"strong", KEEP, false},
    {"style", DROP_ALL, false},
    {"sub", KEEP, false},
    {"summary", KEEP, false},
    {"sup", KEEP, false},
    {"svg", DROP_ALL, false},
    {"table", KEEP, false},
    {"tbody", KEEP, false},
    {"td", KEEP, false},
    {"template", DROP_ALL, false},
    {"textarea", KEEP, false},
    {"tfoot", KEEP, false},
    {"th", KEEP, false},
    {"thead", KEEP, false},
    {"time", KEEP, false},
    {"tr", KEEP, false},
    {"tt", KEEP, false},
    {"u", KEEP, false},
    {"ul", KEEP, false},
    {"var", KEEP, false},
    {"video", KEEP, false},
    {"wbr", KEEP, true},
    {"xml", DROP_ALL, false},
};

enum attr_kind {
	PLAIN,
	URL,   /* checked for its scheme, resolved against the base */
	STYLE, /* filtered declaration by declaration */
};

struct attribute {
	const char *name;
	unsigned char kind;
};

/* Sorted by name (strcmp) for bsearch. */
static const struct attribute attributes[] = {
    {"abbr", PLAIN},
    {"accept", PLAIN},
    {"accept-charset", PLAIN},
    {"accesskey", PLAIN},
    {"action", URL},
    {"align", PLAIN},
    {"alt", PLAIN},
    {"autocomplete", PLAIN},
    {"autofocus", PLAIN},
    {"axis", PLAIN},
    {"background", URL},
    {"balance", PLAIN},
    {"bgcolor", PLAIN},
    {"bgproperties", PLAIN},
    {"border", PLAIN},
    {"bordercolor", PLAIN},
    {"bordercolordark", PLAIN},
    {"bordercolorlight", PLAIN},
    {"bottompadding", PLAIN},
    {"cellpadding", PLAIN},
    {"cellspacing", PLAIN},
    {"ch", PLAIN},
    {"challenge", PLAIN},
    {"char", PLAIN},
    {"charoff", PLAIN},
    {"charset", PLAIN},
    {"checked", PLAIN},
    {"choff", PLAIN},
    {"cite", URL},
    {"class", PLAIN},
    {"clear", PLAIN},
    {"color", PLAIN},
    {"cols", PLAIN},
    {"colspan", PLAIN},
    {"compact", PLAIN},
    {"contenteditable", PLAIN},
    {"coords", PLAIN},
    {"data", URL},
    {"datafld", PLAIN},
    {"datapagesize", PLAIN},
    {"datasrc", URL},
    {"datetime", PLAIN},
    {"default", PLAIN},
    {"delay", PLAIN},
    {"dir", PLAIN},
    {"disabled", PLAIN},
    {"draggable", PLAIN},
    {"dynsrc", URL},
    {"enctype", PLAIN},
    {"end", PLAIN},
    {"face", PLAIN},
    {"for", PLAIN},
    {"form", PLAIN},
    {"frame", PLAIN},
    {"galleryimg", PLAIN},
    {"gutter", PLAIN},
    {"headers", PLAIN},
    {"height", PLAIN},
    {"hidden", PLAIN},
    {"hidefocus", PLAIN},
    {"high", PLAIN},
    {"href", URL},
    {"hreflang", PLAIN},
    {"hspace", PLAIN},
    {"icon", URL},
    {"id", PLAIN},
    {"inputmode", PLAIN},
    {"ismap", PLAIN},
    {"keytype", PLAIN},
    {"label", PLAIN},
    {"lang", PLAIN},
    {"leftspacing", PLAIN},
    {"list", PLAIN},
    {"longdesc", URL},
    {"loop", PLAIN},
    {"loopcount", PLAIN},
    {"loopend", PLAIN},
    {"loopstart", PLAIN},
    {"low", PLAIN},
    {"lowsrc", URL},
    {"max", PLAIN},
    {"maxlength", PLAIN},
    {"media", PLAIN},
    {"method", PLAIN},
    {"min", PLAIN},
    {"multiple", PLAIN},
    {"name", PLAIN},
    {"nohref", PLAIN},
    {"noshade", PLAIN},
    {"nowrap", PLAIN},
    {"open", PLAIN},
    {"optimum", PLAIN},
    {"pattern", PLAIN},
    {"ping", URL},
    {"point-size", PLAIN},
    {"poster", URL},
    {"pqg", PLAIN},
    {"preload", PLAIN},
    {"prompt", PLAIN},
    {"radiogroup", PLAIN},
    {"readonly", PLAIN},
    {"rel", PLAIN},
    {"repeat-max", PLAIN},
    {"repeat-min", PLAIN},
    {"replace", PLAIN},
    {"required", PLAIN},
    {"rev", PLAIN},
    {"rightspacing", PLAIN},
    {"rows", PLAIN},
    {"rowspan", PLAIN},
    {"rules", PLAIN},
    {"scope", PLAIN},
    {"selected", PLAIN},
    {"shape", PLAIN},
    {"size", PLAIN},
    {"span", PLAIN},
    {"src", URL},
    {"start", PLAIN},
    {"step", PLAIN},
    {"style", STYLE},
    {"summary", PLAIN},
    {"suppress", PLAIN},
    {"tabindex", PLAIN},
    {"target", PLAIN},
    {"template", PLAIN},
    {"title", PLAIN},
    {"toppadding", PLAIN},
    {"type", PLAIN},
    {"unselectable", PLAIN},
    {"urn", PLAIN},
    {"usemap", URL},
    {"valign", PLAIN},
    {"value", PLAIN},
    {"variable", PLAIN},
    {"volume", PLAIN},
    {"vrml", URL},
    {"vspace", PLAIN},
    {"width", PLAIN},
    {"wrap", PLAIN},
};

/* CSS properties kept whatever their value (sorted, lower case). */
static const char *const css_properties[] = {
    "azimuth",
    "background-color",
    "border-bottom-color",
    "border-collapse",
    "border-color",
    "border-left-color",
    "border-right-color",
    "border-top-color",
    "clear",
    "color",
    "cursor",
    "direction",
    "display",
    "elevation",
    "float",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-variant",
    "font-weight",
    "height",
    "letter-spacing",
    "line-height",
    "max-height",
    "max-width",
    "min-height",
    "min-width",
    "overflow",
    "pause",
    "pause-after",
    "pause-before",
    "pitch",
    "pitch-range",
    "richness",
    "speak",
    "speak-header",
    "speak-numeral",
    "speak-punctuation",
    "speech-rate",
    "stress",
    "text-align",
    "text-decoration",
    "text-indent",
    "unicode-bidi",
    "vertical-align",
    "voice-family",
    "volume",
    "white-space",
    "width",
};

/*
 * Keywords allowed in background, border, margin and padding shorthands
 * (sorted, case-sensitive as in feedparser).
 */
static const char *const css_keywords[] = {
    "!important", "aqua",   "auto",    "black",	  "block",  "blue",
    "bold",	  "both",   "bottom",  "brown",	  "center", "collapse",
    "dashed",	  "dotted", "fuchsia", "gray",	  "green",  "italic",
    "left",	  "lime",   "maroon",  "medium",  "navy",   "none",
    "normal",	  "nowrap", "olive",   "pointer", "purple", "red",
    "right",	  "silver", "solid",   "teal",	  "top",    "transparent",
    "underline",  "white",  "yellow",
};

/* A style attribute longer than this is dropped rather than read. */
#define MAX_STYLE 4096

static bool is_ascii_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_word(char c)
{
	return is_alpha(c) || is_digit(c) || c == '_';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool ieq(const char *a, size_t n, const char *b)
{
	size_t i;

	for (i = 0; i < n && b[i]; i++)
		if (lower(a[i]) != b[i])
			return false;
	return i == n && !b[i];
}

static int cmp_element(const void *key, const void *e)
{
	return strcmp(key, ((const struct element *)e)->name);
}

static int cmp_attribute(const void *key, const void *a)
{
	return strcmp(key, ((const struct attribute *)a)->name);
}

static int cmp_string(const void *key, const void *s)
{
	return strcmp(key, *(const char *const *)s);
}

static const struct element *find_element(const char *name)
{
	return bsearch(name, elements, sizeof(elements) / sizeof(elements[0]),
		       sizeof(elements[0]), cmp_element);
}

static const struct attribute *find_attribute(const char *name)
{
	return bsearch(name, attributes,
		       sizeof(attributes) / sizeof(attributes[0]),
		       sizeof(attributes[0]), cmp_attribute);
}

static bool in_list(const char *word, const char *const *list, size_t n)
{
	return bsearch(word, list, n, sizeof(list[0]), cmp_string) != NULL;
}

/* Preparing the input. */

/*
 * Past the attribute value starting at j (just after its '='), as an HTML5
 * tokenizer reads it: quoted, or up to a space or '>'. Returns n when a
 * quote is never closed.
 */
static size_t value_end(const char *s, size_t n, size_t j)
{
	while (j < n && is_ascii_space(s[j]))
		j++;
	if (j < n && (s[j] == '"' || s[j] == '\'')) {
		const char *q = memchr(s + j + 1, s[j], n - j - 1);

		return q ? (size_t)(q - s) + 1 : n;
	}
	while (j < n && !is_ascii_space(s[j]) && s[j] != '>')
		j++;
	return j;
}

/* Where the tag whose name ends at j closes ('>'), or n when it does not. */
static size_t tag_end(const char *s, size_t n, size_t j)
{
	while (j < n) {
		if (s[j] == '>')
			return j;
		if (s[j++] == '=')
			j = value_end(s, n, j);
	}
	return n;
}

/* The end of the raw text of a script or style, from i: "</name". */
static size_t raw_text_end(const char *s, size_t n, size_t i, const char *name,
			   size_t nlen)
{
	for (; i + 2 + nlen <= n; i++)
		if (s[i] == '<' && s[i + 1] == '/' &&
		    ieq(s + i + 2, nlen, name) &&
		    (i + 2 + nlen == n || !is_alpha(s[i + 2 + nlen])))
			return i;
	return n;
}

static int copy_text(struct chorus_buf *b, const char *s, size_t n)
{
	/* A NUL would end libxml2's reading: write U+FFFD instead. */
	while (n) {
		const char *z = memchr(s, '\0', n);
		size_t k = z ? (size_t)(z - s) : n;
		int rc = chorus_buf_add(b, s, k);

		if (!rc && z)
			rc = chorus_buf_add(b, "\xEF\xBF\xBD", 3);
		if (rc)
			return rc;
		if (z)
			k++;
		s += k;
		n -= k;
	}
	return 0;
}

/*
 * Copy the start tag s[i..k] ('<' to '>'): a '/' that does not close the
 * tag separates attributes, as in HTML5 (<img/src=x> has a src), where
 * libxml2 would lose them.
 */
static int copy_tag(struct chorus_buf *b, const char *s, size_t i, size_t k)
{
	size_t j = i, run = i;
	int rc = 0;

	while (!rc && j < k) {
		if (s[j] == '=') {
			j = value_end(s, k, j + 1);
			continue;
		}
		if (s[j] == '/' && j + 1 < k) {
			rc = copy_text(b, s + run, j - run);
			if (!rc)
				rc = chorus_buf_addc(b, ' ');
			run = j + 1;
		}
		j++;
	}
	return rc ? rc : copy_text(b, s + run, k + 1 - run);
}

/*
 * Copy the fragment s into b inside <html><body>, without </body> and
 * </html> tags and without a tag, comment or declaration left open at the
 * end.
 */
static int prepare(const char *s, size_t n, struct chorus_buf *b)
{
	size_t i = 0, copied = 0, cut = n;
	int rc = chorus_buf_adds(b, "<html><body>");

	while (!rc && i < n) {
		size_t j, k, ns;
		bool end;

		if (s[i] != '<') {
			const char *lt = memchr(s + i, '<', n - i);

			i = lt ? (size_t)(lt - s) : n;
			continue;
		}
		if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
			const char *e = NULL;

			for (k = i + 4; k + 3 <= n && !e; k++)
				if (memcmp(s + k, "-->", 3) == 0)
					e = s + k;
			if (!e) {
				cut = i;
				break;
			}
			i = (size_t)(e - s) + 3;
			continue;
		}
		if (i + 1 < n && (s[i + 1] == '!' || s[i + 1] == '?')) {
			const char *gt = memchr(s + i, '>', n - i);

			if (!gt) {
				cut = i;
				break;
			}
			i = (size_t)(gt - s) + 1;
			continue;
		}
		end = i + 1 < n && s[i + 1] == '/';
		j = i + 1 + end;
		if (j >= n || !is_alpha(s[j])) {
			i++;
			continue;
		}
		ns = j;
		while (j < n && !is_ascii_space(s[j]) && s[j] != '/' &&
		       s[j] != '>')
			j++;
		k = tag_end(s, n, j);
		if (k == n) {
			cut = i;
			break;
		}
		if (end && (ieq(s + ns, j - ns, "body") ||
			    ieq(s + ns, j - ns, "html"))) {
			rc = copy_text(b, s + copied, i - copied);
			copied = k + 1;
		} else if (!end) {
			rc = copy_text(b, s + copied, i - copied);
			if (!rc)
				rc = copy_tag(b, s, i, k);
			copied = k + 1;
		}
		if (!end && (ieq(s + ns, j - ns, "script") ||
			     ieq(s + ns, j - ns, "style"))) {
			/* Raw text: a "<" in a script starts no tag. */
			const char *name =
			    lower(s[ns + 1]) == 'c' ? "script" : "style";

			k = raw_text_end(s, n, k + 1, name, j - ns) - 1;
		}
		i = k + 1;
	}
	if (!rc && cut > copied)
		rc = copy_text(b, s + copied, cut - copied);
	return rc;
}

/* URLs. */

/*
 * The scheme of url, lower-cased into scheme (empty for a relative URL).
 * Control characters and spaces are ignored anywhere, as browsers ignore
 * tabs and newlines inside a URL: "jav&#x09;ascript:" is javascript:.
 * Returns false when what precedes the first ':' cannot be a scheme.
 */
static bool url_scheme(const char *url, char *scheme, size_t cap)
{
	size_t n = 0;
	bool valid = true;

	for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
		char c = (char)*p;

		if (*p <= 0x20 || *p == 0x7f)
			continue;
		if (c == '/' || c == '?' || c == '#')
			break;
		if (c == ':') {
			scheme[n] = '\0';
			valid = valid && n > 0 && is_alpha(scheme[0]);
			if (!valid)
				scheme[0] = '\0';
			return valid;
		}
		if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' &&
		    c != '.')
			valid = false;
		if (n + 1 < cap)
			scheme[n++] = lower(c);
		else
			valid = false;
	}
	scheme[0] = '\0';
	return true;
}

static bool scheme_allowed(const char *url)
{
	char scheme[16];

	if (!url_scheme(url, scheme, sizeof(scheme)))
		return false;
	return !scheme[0] || strcmp(scheme, "http") == 0 ||
	       strcmp(scheme, "https") == 0 || strcmp(scheme, "mailto") == 0;
}

static bool url_space(unsigned char c)
{
	return c <= 0x20 || c == 0x7f;
}

/*
 * The URL to write for value into b, or false to drop the attribute.
 * Leading and trailing spaces, control characters and no-break spaces are
 * trimmed first, as a browser would (or, for U+00A0, more).
 */
static int clean_url(const char *value, const char *base, struct chorus_buf *b,
		     bool *keep)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t n = strlen(value);
	xmlChar *abs = NULL;
	int rc;

	*keep = false;
	chorus_buf_reset(b);
	if (!n) {
		*keep = true; /* href="" links to the page itself: harmless */
		return 0;
	}
	for (;;) {
		if (n && url_space(*s)) {
			s++;
			n--;
		} else if (n >= 2 && s[0] == 0xC2 && s[1] == 0xA0) {
			s += 2;
			n -= 2;
		} else {
			break;
		}
	}
	while (n && url_space(s[n - 1]))
		n--;
	/* Only blanks, or libxml2 cut it at a bad character reference. */
	if (!n)
		return 0;
	chorus_buf_reset(b);
	rc = chorus_buf_add(b, s, n);
	if (rc)
		return rc;
	if (!scheme_allowed(chorus_buf_cstr(b)))
		return 0;
	if (base) {
		char scheme[16];

		url_scheme(chorus_buf_cstr(b), scheme, sizeof(scheme));
		if (!scheme[0])
			abs = xmlBuildURI((const xmlChar *)chorus_buf_cstr(b),
					  (const xmlChar *)base);
	}
	if (abs) {
		/* A hostile base must not bring a scheme back. */
		if (!scheme_allowed((const char *)abs)) {
			xmlFree(abs);
			return 0;
		}
		chorus_buf_reset(b);
		rc = chorus_buf_adds(b, (const char *)abs);
		xmlFree(abs);
		if (rc)
			return rc;
	}
	*keep = true;
	return 0;
}

/* CSS, as feedparser's _sanitize_style reads it. */

/* Replace every url(...) by a space: no style may fetch anything. */
static int strip_css_urls(const char *s, size_t n, struct chorus_buf *b)
{
	size_t i = 0;
	int rc = 0;

	while (!rc && i < n) {
		if (n - i >= 3 && ieq(s + i, 3, "url")) {
			size_t j = i + 3, k;

			while (j < n && is_ascii_space(s[j]))
				j++;
			if (j < n && s[j] == '(') {
				j++;
				while (j < n && is_ascii_space(s[j]))
					j++;
				k = j;
				while (k < n && !is_ascii_space(s[k]) &&
				       s[k] != ')')
					k++;
				if (k > j) {
					while (k < n && is_ascii_space(s[k]))
						k++;
					if (k < n && s[k] == ')') {
						k++;
						while (k < n &&
						       is_ascii_space(s[k]))
							k++;
						rc = chorus_buf_addc(b, ' ');
						i = k;
						continue;
					}
				}
			}
		}
		rc = chorus_buf_addc(b, s[i++]);
	}
	return rc;
}

/*
 * Whether the whole style is made of the characters and tokens feedparser
 * lets through: letters, digits, spaces and :,;#%.! one by one, a hyphen
 * between two word characters, quoted words, and parenthesised lists of
 * numbers. Anything else (backslashes, expression(...), comments) and the
 * style is dropped whole.
 */
static bool css_gauntlet(const char *s, size_t n)
{
	bool ok[MAX_STYLE + 1] = {false};

	if (n > MAX_STYLE)
		return false;
	ok[0] = true;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!ok[i])
			continue;
		if ((c && strchr(":,;#%.!", c)) || is_ascii_space(c) ||
		    is_alpha(c) || is_digit(c))
			ok[i + 1] = true;
		if (i + 2 < n && is_word(c) && s[i + 1] == '-' &&
		    is_word(s[i + 2]))
			ok[i + 3] = true;
		if (c == '\'' || c == '"') {
			size_t j = i + 1;

			while (j < n && (is_word(s[j]) || is_ascii_space(s[j])))
				j++;
			if (j > i + 1 && j < n && s[j] == c)
				ok[j + 1] = true;
		}
		if (c == '(') {
			size_t j = i + 1;

			while (j < n && (is_digit(s[j]) || s[j] == ',' ||
					 is_ascii_space(s[j])))
				j++;
			if (j > i + 1 && j < n && s[j] == ')')
				ok[j + 1] = true;
		}
	}
	return ok[n];
}

/* feedparser's valid_css_values, for one keyword of a shorthand. */
static bool css_value_ok(const char *s, size_t n)
{
	static const char *const units[] = {"cm", "em", "ex", "in", "mm", "pc",
					    "pt", "px", "%",  ",",  ")"};
	size_t i = 0, a, b = 0;

	if (n && s[0] == '#') {
		for (i = 1; i < n; i++)
			if (!is_digit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
				return false;
		return n > 1;
	}
	if (n >= 4 && memcmp(s, "rgb(", 4) == 0) {
		i = 4;
		a = i;
		while (i < n && is_digit(s[i]))
			i++;
		if (i == a)
			return false;
		if (i < n && s[i] == '%')
			i++;
		if (i >= n || s[i++] != ',')
			return false;
		while (i < n && is_digit(s[i]))
			i++;
		if (i < n && s[i] == '%')
			i++;
		if (i < n && s[i] == ',')
			i++;
		while (i < n && is_digit(s[i]))
			i++;
		if (i < n && s[i] == '%')
			i++;
		if (i < n && s[i] == ')')
			i++;
		return i == n;
	}
	while (i < n && is_digit(s[i]))
		i++;
	a = i;
	if (i < n && s[i] == '.') {
		if (a > 2)
			return false;
		i++;
		while (i < n && is_digit(s[i])) {
			i++;
			b++;
		}
		if (b > 2)
			return false;
	} else if (a > 4) {
		return false;
	}
	if (i == n)
		return true;
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++)
		if (n - i == strlen(units[u]) &&
		    memcmp(s + i, units[u], n - i) == 0)
			return true;
	return false;
}

/* Whether one declaration prop: value survives. */
static bool css_declaration_ok(const char *p, size_t pn, const char *v,
			       size_t vn)
{
	char name[64], word[64];
	const char *dash;
	size_t i = 0;

	if (pn >= sizeof(name))
		return false;
	for (size_t k = 0; k < pn; k++)
		name[k] = lower(p[k]);
	name[pn] = '\0';
	if (in_list(name, css_properties,
		    sizeof(css_properties) / sizeof(css_properties[0])))
		return true;
	dash = memchr(name, '-', pn);
	if (dash)
		name[dash - name] = '\0';
	if (strcmp(name, "background") != 0 && strcmp(name, "border") != 0 &&
	    strcmp(name, "margin") != 0 && strcmp(name, "padding") != 0)
		return false;
	while (i < vn) {
		size_t s;

		while (i < vn && is_ascii_space(v[i]))
			i++;
		s = i;
		while (i < vn && !is_ascii_space(v[i]))
			i++;
		if (i == s)
			break;
		if (i - s >= sizeof(word))
			return false;
		memcpy(word, v + s, i - s);
		word[i - s] = '\0';
		if (!in_list(word, css_keywords,
			     sizeof(css_keywords) / sizeof(css_keywords[0])) &&
		    !css_value_ok(word, i - s))
			return false;
	}
	return true;
}

/*
 * The style to keep for value, as "prop: value; prop: value;" in b (empty
 * when nothing survives).
 */
static int clean_style(const char *value, struct chorus_buf *b,
		       struct chorus_buf *tmp)
{
	const char *s;
	size_t n, i = 0;
	int rc;

	chorus_buf_reset(b);
	chorus_buf_reset(tmp);
	if (strlen(value) > MAX_STYLE)
		return 0;
	rc = strip_css_urls(value, strlen(value), tmp);
	if (rc)
		return rc;
	s = chorus_buf_cstr(tmp);
	n = tmp->len;
	if (!css_gauntlet(s, n))
		return 0;
	/* First check the whole style reads as declarations, then keep. */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0;;) {
			size_t ps, pe, vs, ve;

			while (i < n && is_ascii_space(s[i]))
				i++;
			if (i == n)
				break;
			ps = i;
			while (i < n && (is_word(s[i]) || s[i] == '-'))
				i++;
			pe = i;
			while (i < n && is_ascii_space(s[i]))
				i++;
			if (pe == ps || i == n || s[i] != ':')
				return 0;
			i++;
			while (i < n && is_ascii_space(s[i]))
				i++;
			vs = i;
			while (i < n && s[i] != ':' && s[i] != ';')
				i++;
			ve = i;
			if (i < n && s[i] == ';')
				i++;
			if (pass == 0 || ve == vs ||
			    !css_declaration_ok(s + ps, pe - ps, s + vs,
						ve - vs))
				continue;
			if (b->len)
				rc = chorus_buf_addc(b, ' ');
			if (!rc)
				rc = chorus_buf_printf(b, "%.*s: %.*s;",
						       (int)(pe - ps), s + ps,
						       (int)(ve - vs), s + vs);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* Writing the tree. */

struct writer {
	struct chorus_buf *out;
	const char *base;
	struct chorus_buf value, tmp;
	unsigned flags; /* enum chorus_sanitize_flags */
};

/*
 * With CHORUS_SANITIZE_NO_REMOTE_MEDIA, attributes that make a browser
 * fetch something as the page loads (sorted for bsearch). href, cite and
 * longdesc are followed only when a reader asks, so they stay.
 */
static const char *const loading_attributes[] = {
    "background", "data",   "datasrc", "dynsrc", "icon",
    "lowsrc",	  "poster", "src",     "vrml",
};

/* Media elements that become a link to their address (sorted). */
static const struct {
	const char *name;
	const char *label;
} media_links[] = {
    {"audio", "Audio"},
    {"img", "Image"},
    {"source", "Media"},
    {"video", "Video"},
};

/*
 * Length of the valid UTF-8 character at s (n bytes left) that XML 1.0
 * also allows, or 0: the output goes into Atom feeds as well as pages.
 */
static size_t utf8_char(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;

	if (c < 0x80)
		return c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) ||
	    (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
		return 0; /* overlong, surrogate or past U+10FFFF */
	if (c == 0xEF && s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF))
		return 0; /* U+FFFE, U+FFFF */
	return len;
}

/*
 * Append s escaped for text (& < >) or a double-quoted attribute (and ").
 * Bytes that are not UTF-8, and characters XML forbids, become U+FFFD.
 * Not chorus_buf_add_escaped(): this one also repairs, character by
 * character, because what libxml2's HTML parser hands back may hold
 * anything, and the result goes into XML feeds as well as pages.
 */
static int put_escaped(struct chorus_buf *b, const char *s, bool attr)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), run = 0, i = 0;
	int rc;

	while (i < n) {
		const char *rep = NULL;
		size_t k = utf8_char(p + i, n - i);

		switch (p[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = attr ? "&quot;" : NULL;
			break;
		default:
			if (!k)
				rep = p[i] < 0x20 ? "" : "\xEF\xBF\xBD";
			break;
		}
		if (!rep) {
			i += k;
			continue;
		}
		rc = chorus_buf_add(b, s + run, i - run);
		if (!rc)
			rc = chorus_buf_adds(b, rep);
		if (rc)
			return rc;
		i++;
		run = i;
	}
	return chorus_buf_add(b, s + run, i - run);
}

static int put_attribute(struct writer *w, xmlAttrPtr a)
{
	const struct attribute *def;
	xmlChar *raw;
	const char *v;
	bool keep = true;
	int rc = 0;

	if (a->ns || !a->name)
		return 0;
	def = find_attribute((const char *)a->name);
	if (!def)
		return 0;
	if ((w->flags & CHORUS_SANITIZE_NO_REMOTE_MEDIA) &&
	    in_list(def->name, loading_attributes,
		    sizeof(loading_attributes) / sizeof(loading_attributes[0])))
		return 0;
	raw = xmlNodeGetContent((xmlNodePtr)a);
	v = raw ? (const char *)raw : "";
	if (def->kind == URL && !a->children) {
		keep = false; /* a bare <a href> is garbage, not a link */
	} else if (def->kind == URL) {
		rc = clean_url(v, w->base, &w->value, &keep);
		v = chorus_buf_cstr(&w->value);
	} else if (def->kind == STYLE) {
		rc = clean_style(v, &w->value, &w->tmp);
		v = chorus_buf_cstr(&w->value);
		keep = w->value.len > 0;
	}
	if (!rc && keep) {
		rc = chorus_buf_printf(w->out, " %s=\"", def->name);
		if (!rc)
			rc = put_escaped(w->out, v, true);
		if (!rc)
			rc = chorus_buf_addc(w->out, '"');
	}
	xmlFree(raw);
	return rc;
}

static enum action element_action(xmlNodePtr node, const struct element **def)
{
	const char *name = (const char *)node->name;

	/* HTML5 parsers read <image> as <img>; so do we. */
	if (name && strcmp(name, "image") == 0)
		name = "img";
	*def = name ? find_element(name) : NULL;
	return *def ? (enum action)(*def)->action : UNWRAP;
}

/* The label of a media element written as a link, or NULL. */
static const char *media_label(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(media_links) / sizeof(media_links[0]); i++)
		if (strcmp(name, media_links[i].name) == 0)
			return media_links[i].label;
	return NULL;
}

/*
 * A media element under CHORUS_SANITIZE_NO_REMOTE_MEDIA: instead of the
 * element (which would fetch its src as the page loads), a link to its
 * address reading "Image: ALT" that fetches only when followed. Without a
 * usable src nothing is written. The children (a video's fallback text)
 * are still walked: the element itself is not written, so nothing closes.
 */
static int media_link(struct writer *w, xmlNodePtr node, const char *label)
{
	xmlChar *src = xmlGetProp(node, BAD_CAST "src");
	xmlChar *alt = xmlGetProp(node, BAD_CAST "alt");
	bool keep = false;
	int rc = 0;

	if (src)
		rc = clean_url((const char *)src, w->base, &w->value, &keep);
	if (!rc && keep && w->value.len) {
		rc = chorus_buf_adds(w->out,
				     "<a class=\"remote-media\" href=\"");
		if (!rc)
			rc = put_escaped(w->out, chorus_buf_cstr(&w->value),
					 true);
		if (!rc)
			rc = chorus_buf_printf(w->out, "\">%s", label);
		if (!rc && alt && *alt) {
			rc = chorus_buf_adds(w->out, ": ");
			if (!rc)
				rc = put_escaped(w->out, (const char *)alt,
						 false);
		}
		if (!rc)
			rc = chorus_buf_adds(w->out, "</a>");
	}
	xmlFree(src);
	xmlFree(alt);
	return rc;
}

/* Write what opens node; *descend says whether its children are walked. */
static int enter(struct writer *w, xmlNodePtr node, bool *descend)
{
	const struct element *def;
	int rc = 0;

	*descend = false;
	switch (node->type) {
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		return node->content
			   ? put_escaped(w->out, (const char *)node->content,
					 false)
			   : 0;
	case XML_ELEMENT_NODE:
		break;
	default:
		return 0;
	}
	switch (element_action(node, &def)) {
	case DROP_ALL:
		return 0;
	case UNWRAP:
		*descend = true;
		return 0;
	case KEEP:
		break;
	}
	if (w->flags & CHORUS_SANITIZE_NO_REMOTE_MEDIA) {
		const char *label = media_label(def->name);

		if (label) {
			*descend = !def->is_void;
			return media_link(w, node, label);
		}
	}
	rc = chorus_buf_printf(w->out, "<%s", def->name);
	for (xmlAttrPtr a = node->properties; a && !rc; a = a->next)
		rc = put_attribute(w, a);
	if (!rc)
		rc = chorus_buf_adds(w->out, def->is_void ? " />" : ">");
	*descend = !def->is_void;
	return rc;
}

static int leave(struct writer *w, xmlNodePtr node)
{
	const struct element *def;

	if (node->type != XML_ELEMENT_NODE ||
	    element_action(node, &def) != KEEP || def->is_void)
		return 0;
	if ((w->flags & CHORUS_SANITIZE_NO_REMOTE_MEDIA) &&
	    media_label(def->name))
		return 0;
	return chorus_buf_printf(w->out, "</%s>", def->name);
}

/* Walk the document without recursion: its depth is the input's. */
static int write_tree(struct writer *w, xmlDocPtr doc)
{
	xmlNodePtr cur = doc->children;
	int rc = 0;

	while (cur && !rc) {
		bool descend;

		rc = enter(w, cur, &descend);
		if (rc)
			break;
		if (descend && cur->children) {
			cur = cur->children;
			continue;
		}
		while (cur && !rc) {
			rc = leave(w, cur);
			if (cur->next) {
				cur = cur->next;
				break;
			}
			cur = cur->parent;
			if (!cur || cur == (xmlNodePtr)doc)
				cur = NULL;
		}
	}
	return rc;
}

int chorus_sanitize_html(const char *html, size_t len, const char *base_url,
			 struct chorus_buf *out, struct chorus_err *err)
{
	return chorus_sanitize_html_flags(html, len, base_url, 0, out, err);
}

int chorus_sanitize_html_flags(const char *html, size_t len,
			       const char *base_url, unsigned flags,
			       struct chorus_buf *out, struct chorus_err *err)
{
	struct chorus_buf in = CHORUS_BUF_INIT;
	struct writer w = {out, base_url, CHORUS_BUF_INIT, CHORUS_BUF_INIT,
			   flags};
	htmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	size_t before = out->len;
	int rc;

	if (!html || !len)
		return 0;
	rc = prepare(html, len, &in);
	if (rc) {
		chorus_err_set(err, rc, "sanitize: %s", chorus_strerror(rc));
		goto out;
	}
	if (in.len > INT32_MAX) {
		rc = chorus_err_set(err, CHORUS_ETOOBIG,
				    "sanitize: HTML too large");
		goto out;
	}
	ctxt = htmlNewParserCtxt();
	if (!ctxt) {
		rc = chorus_err_set(err, CHORUS_ENOMEM,
				    "sanitize: out of memory");
		goto out;
	}
	doc = htmlCtxtReadMemory(ctxt, in.data, (int)in.len, NULL, "UTF-8",
				 HTML_PARSE_NONET | HTML_PARSE_NOERROR |
				     HTML_PARSE_NOWARNING |
				     HTML_PARSE_IGNORE_ENC);
	if (!doc) {
		rc = chorus_err_set(err, CHORUS_EPARSE,
				    "sanitize: libxml2 could not parse the "
				    "HTML");
		goto out;
	}
	rc = write_tree(&w, doc);
	if (rc) {
		out->len = before;
		if (out->data)
			out->data[before] = '\0';
		chorus_err_set(err, rc, "sanitize: %s", chorus_strerror(rc));
	}
out:
	xmlFreeDoc(doc);
	if (ctxt)
		htmlFreeParserCtxt(ctxt);
	chorus_buf_release(&in);
	chorus_buf_release(&w.value);
	chorus_buf_release(&w.tmp);
	return rc;
}
