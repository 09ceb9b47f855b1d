/* qr: a QR code (libqrencode, error correction level M) as a small inline SVG image for the
 * PC-to-phone hand-off of a signing link; safe under a Content-Security-Policy without inline
 * styles (presentation attributes only, no style attribute, no script). */
#ifndef MADOGUCHI_QR_H
#define MADOGUCHI_QR_H

#include "util/buf.h"

/* Longest text (bytes) and label (bytes) qr_svg() accepts. */
#define QR_MAX_TEXT 1000
#define QR_MAX_LABEL 1000

enum {
	QR_OK = 0,
	QR_EINPUT,  /* text or label NULL, empty or longer than QR_MAX_TEXT / QR_MAX_LABEL */
	QR_EENCODE, /* libqrencode could not encode the text */
	QR_ENOMEM,  /* malloc failed or the output buffer reached its maximum */
};

/* A static English description of err (never NULL). */
const char *qr_strerror(int err);

/* Append to out an <svg> element showing text (bytes, encoded in byte mode where needed, level
 * M, smallest version) as a QR code with a 4-module quiet zone: a white background rect and one
 * <path> of the dark modules. label (plain text, HTML-escaped here) becomes the aria-label of
 * the image. size_px gives the width and height attributes in CSS pixels; 0 leaves them out, so
 * that the stylesheet sizes the image. Thread-safe. Returns QR_OK, or an error with out left as
 * it was before the call (except that out->failed may be set). The caller owns out. */
int qr_svg(const char *text, const char *label, unsigned size_px, buf *out);

#endif
