/* evidence_zip: the evidence package of one application as ZIP bytes (no HTTP): under the
 * folder RECEIPT/ the signed content (RECEIPT.json, the exact bytes signed), the DER CMS
 * (RECEIPT.p7s, absent for an unsigned application), the certificates the CMS carries
 * (chain.pem), the verification report at arrival (verification.json, absent when none
 * was kept), the DER OCSP response that decided the revocation check at arrival (ocsp.der,
 * absent when a CRL decided or none was kept: the report then names the CRL by its number,
 * times and SHA-256), the signature time-stamp over the signature value (timestamp.tsr, the
 * DER TimeStampResp that `openssl ts -verify -in` reads; absent until the time-stamp
 * authority gave one, or when none is configured), the attachments (attachments/ID-NAME, the name
 * made safe) and MANIFEST.txt with "SHA-256  path" of each file, so that `sha256sum -c
 * MANIFEST.txt` checks them inside the folder. */
#ifndef MADOGUCHI_CORE_EVIDENCE_ZIP_H
#define MADOGUCHI_CORE_EVIDENCE_ZIP_H

#include <stddef.h>

#include "store/store.h"
#include "util/buf.h"

/* One attachment: its metadata and its bytes. */
typedef struct evidence_att {
	const store_attachment *meta;
	const void *data;
	size_t len;
} evidence_att;

/* The package of ap (content, signature, verification, OCSP response) with its attachments
 * att[0..n) and, when ts is not NULL and holds a token, its signature time-stamp as
 * timestamp.tsr (the DER TimeStampResp) appended to out: 0, or -1 (a CMS that does not
 * parse, libzip failed, out's maximum). */
int evidence_zip_build(const store_application *ap, const evidence_att *att, size_t n,
                       const store_timestamp *ts, buf *out);

/* An archive of several applications' packages, one folder each, built in memory: each
 * package's bytes are copied in, so an application may be released once added. */
typedef struct evidence_zip evidence_zip;
/* A new empty archive, or NULL. */
evidence_zip *evidence_zip_new(void);
/* The package of ap with its attachments att[0..n) and its time-stamp ts (NULL: none) as
 * the folder RECEIPT/: 0, or -1 (a CMS that does not parse, libzip failed). */
int evidence_zip_add(evidence_zip *z, const store_application *ap, const evidence_att *att,
                     size_t n, const store_timestamp *ts);
/* The archive's bytes (at least one package added) appended to out, z freed: 0, or -1. */
int evidence_zip_finish(evidence_zip *z, buf *out);
/* Frees z unfinished (NULL: nothing). */
void evidence_zip_free(evidence_zip *z);

/* A safe file name for name into out (outlen >= 2): every '/', '\\', control character and
 * the second '.' of ".." becomes '_'; a leading '.' too; "" becomes "_". */
void evidence_safe_name(const char *name, char *out, size_t outlen);

#endif
