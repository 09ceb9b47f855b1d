/* qr: QR codes as inline SVG (see qr.h). Each horizontal run of dark modules becomes one
 * closed rectangle "M x y h n v1 h -n z" of a single path, which keeps a 200-byte URL's
 * image at a few kilobytes and renders without seams (shape-rendering="crispEdges"). */
#include "util/qr.h"

#include <errno.h>
#include <string.h>

#include <qrencode.h>

#define QUIET 4 /* modules of white border on each side, as ISO/IEC 18004 asks */

const char *qr_strerror(int err)
{
	switch (err) {
	case QR_OK:
		return "success";
	case QR_EINPUT:
		return "QR code text or label missing, empty or too long";
	case QR_EENCODE:
		return "the text could not be encoded as a QR code";
	case QR_ENOMEM:
		return "out of memory or output too large for the QR code";
	default:
		return "unknown QR code error";
	}
}

/* The path data of the dark modules of a w x w symbol, offset by the quiet zone. */
static int put_path(buf *out, const QRcode *qr)
{
	int w = qr->width;
	for (int y = 0; y < w; y++) {
		const unsigned char *row = qr->data + (size_t)y * (size_t)w;
		int x = 0;
		while (x < w) {
			if (!(row[x] & 1)) {
				x++;
				continue;
			}
			int start = x;
			while (x < w && (row[x] & 1))
				x++;
			if (buf_printf(out, "M%d %dh%dv1h-%dz", start + QUIET, y + QUIET, x - start,
			               x - start) < 0)
				return -1;
		}
	}
	return 0;
}

int qr_svg(const char *text, const char *label, unsigned size_px, buf *out)
{
	if (!out || !text || !label)
		return QR_EINPUT;
	size_t tlen = strnlen(text, QR_MAX_TEXT + 1);
	size_t llen = strnlen(label, QR_MAX_LABEL + 1);
	if (tlen == 0 || tlen > QR_MAX_TEXT || llen == 0 || llen > QR_MAX_LABEL)
		return QR_EINPUT;

	size_t start = out->len;
	int rc = QR_OK, n, e;
	QRcode *qr;
	/* Byte mode for what is not digits or upper-case alphanumerics; case kept. No objects
	 * are shared between calls, which makes this thread-safe (libqrencode is built with
	 * pthread locking of its Reed-Solomon tables). */
	errno = 0;
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr) {
		rc = errno == ENOMEM ? QR_ENOMEM : QR_EENCODE;
		goto out;
	}
	n = qr->width + 2 * QUIET;

	e = buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\"", n,
	               n);
	if (size_px)
		e |= buf_printf(out, " width=\"%u\" height=\"%u\"", size_px, size_px);
	e |= buf_puts(out, " role=\"img\" aria-label=\"");
	e |= buf_html_escape(out, label, llen);
	e |= buf_printf(out,
	                "\" shape-rendering=\"crispEdges\">"
	                "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
	                n, n);
	if (e < 0 || put_path(out, qr) < 0 || buf_puts(out, "\"/></svg>") < 0)
		rc = QR_ENOMEM;

out:
	if (qr)
		QRcode_free(qr);
	if (rc != QR_OK && out->len > start) {
		out->len = start;
		out->data[start] = '\0';
	}
	return rc;
}
