/*
 * OPML 2.0 output (see include/chorus/opml.h), written with libxml2's
 * xmlwriter so that names and URLs are escaped by the library. Dates are
 * RFC 822, as the OPML spec asks, computed without the C library's time
 * zone machinery so that output never depends on the environment.
 */
#include <stdio.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "chorus/date.h"
#include "chorus/opml.h"

#define W(call)                                                                \
	do {                                                                   \
		if ((call) < 0)                                                \
			goto fail;                                             \
	} while (0)

/* "Wed, 19 Nov 2025 00:00:00 GMT". */
static void rfc822(int64_t t, char out[32])
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
					   "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
					     "May", "Jun", "Jul", "Aug",
					     "Sep", "Oct", "Nov", "Dec"};
	char iso[CHORUS_DATE_RFC3339_LEN];
	int y = 1970, mo = 1, d = 1, h = 0, mi = 0, s = 0;
	int64_t day = t >= 0 ? t / 86400 : (t - 86399) / 86400;

	chorus_date_format(t, iso);
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) !=
		6 ||
	    mo < 1 || mo > 12)
		mo = 1;
	/* 1970-01-01 was a Thursday. */
	snprintf(out, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT",
		 days[((day % 7) + 7 + 4) % 7], d, months[mo - 1], y, h, mi, s);
}

static int write_outline(xmlTextWriterPtr w,
			 const struct chorus_opml_outline *o)
{
	size_t i;

	if (!o->text)
		return CHORUS_EINVAL;
	W(xmlTextWriterStartElement(w, BAD_CAST "outline"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "text", BAD_CAST o->text));
	if (o->xml_url) {
		W(xmlTextWriterWriteAttribute(w, BAD_CAST "type",
					      BAD_CAST "rss"));
		W(xmlTextWriterWriteAttribute(w, BAD_CAST "title",
					      BAD_CAST o->text));
		W(xmlTextWriterWriteAttribute(w, BAD_CAST "xmlUrl",
					      BAD_CAST o->xml_url));
	}
	if (o->html_url)
		W(xmlTextWriterWriteAttribute(w, BAD_CAST "htmlUrl",
					      BAD_CAST o->html_url));
	for (i = 0; i < o->n_children; i++) {
		int rc = write_outline(w, &o->children[i]);

		if (rc)
			return rc;
	}
	W(xmlTextWriterEndElement(w));
	return 0;
fail:
	return CHORUS_EIO;
}

int chorus_opml_write(const struct chorus_opml_head *head,
		      const struct chorus_opml_outline *outlines, size_t n,
		      struct chorus_buf *out, struct chorus_err *err)
{
	xmlBufferPtr xb = xmlBufferCreate();
	xmlTextWriterPtr w = xb ? xmlNewTextWriterMemory(xb, 0) : NULL;
	char date[32];
	size_t i;
	int rc = 0;

	if (!w) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	W(xmlTextWriterSetIndent(w, 1));
	W(xmlTextWriterSetIndentString(w, BAD_CAST "  "));
	W(xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL));
	W(xmlTextWriterStartElement(w, BAD_CAST "opml"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "version", BAD_CAST "2.0"));
	W(xmlTextWriterStartElement(w, BAD_CAST "head"));
	W(xmlTextWriterWriteElement(w, BAD_CAST "title",
				    BAD_CAST(head->title ? head->title : "")));
	if (head->date_modified >= 0) {
		rfc822(head->date_modified, date);
		W(xmlTextWriterWriteElement(w, BAD_CAST "dateModified",
					    BAD_CAST date));
	}
	if (head->owner_name)
		W(xmlTextWriterWriteElement(w, BAD_CAST "ownerName",
					    BAD_CAST head->owner_name));
	W(xmlTextWriterWriteElement(w, BAD_CAST "docs",
				    BAD_CAST "http://opml.org/spec2.opml"));
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterStartElement(w, BAD_CAST "body"));
	for (i = 0; i < n && !rc; i++)
		rc = write_outline(w, &outlines[i]);
	if (rc == CHORUS_EINVAL) {
		rc = chorus_err_set(err, rc, "OPML: an outline has no text");
		goto out;
	}
	if (rc)
		goto fail;
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterEndDocument(w));
	xmlFreeTextWriter(w);
	w = NULL;
	if (chorus_buf_add(out, xmlBufferContent(xb),
			   (size_t)xmlBufferLength(xb)))
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	goto out;
fail:
	rc = chorus_err_set(err, CHORUS_EIO, "OPML: cannot write the document");
out:
	if (w)
		xmlFreeTextWriter(w);
	if (xb)
		xmlBufferFree(xb);
	return rc;
}
