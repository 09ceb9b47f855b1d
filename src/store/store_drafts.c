/* store_drafts: drafts, their attachments, and the quotas and pruning of both. */
#include "store/store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- drafts ---- */

static int raw_ok(const char *raw)
{
	return store_text_ok(raw, 0, STORE_DRAFT_RAW_MAX, STORE_TEXT_ANY);
}

int store_draft_create(store *s, const char *key, const char *owner, const char *proc_id,
                       int proc_version, const char *raw, long long now)
{
	if (!STORE_READY(s) || !store_draft_key_ok(key) || !store_owner_ok(owner) ||
	    !store_proc_ok(proc_id, proc_version) || !raw_ok(raw))
		return STORE_EINPUT;
	return s->be->draft_create(s->ctx, key, owner, proc_id, proc_version, raw, now);
}

int store_draft_open(store *s, const char *owner, const char *proc_id, store_draft *out)
{
	int rc =
	    store_get_check(s, store_owner_ok(owner) && store_token_ok(proc_id, STORE_PROC_ID_MAX),
	                    out, sizeof(*out));

	return rc != STORE_OK ? rc : s->be->draft_open(s->ctx, owner, proc_id, out);
}

int store_draft_get(store *s, const char *key, store_draft *out)
{
	int rc = store_get_check(s, store_draft_key_ok(key), out, sizeof(*out));

	return rc != STORE_OK ? rc : s->be->draft_get(s->ctx, key, out);
}

int store_draft_save(store *s, const char *key, int proc_version, const char *raw, long long now)
{
	if (!STORE_READY(s) || !store_draft_key_ok(key) || proc_version < 1 || !raw_ok(raw))
		return STORE_EINPUT;
	return s->be->draft_save(s->ctx, key, proc_version, raw, now);
}

int store_draft_delete(store *s, const char *key)
{
	if (!STORE_READY(s) || !store_draft_key_ok(key))
		return STORE_EINPUT;
	return s->be->draft_delete(s->ctx, key);
}

void store_draft_release(store_draft *d)
{
	if (!d)
		return;
	free(d->raw);
	d->raw = NULL;
}

/* ---- attachments ---- */

#define FIELD_MAX (sizeof(((store_attachment *)0)->field) - 1)
#define MIME_MAX (sizeof(((store_attachment *)0)->mime) - 1)

/* A file name as shown and offered for download: one path component. */
static int filename_ok(const char *name)
{
	if (!store_text_ok(name, 1, STORE_FILENAME_MAX, STORE_TEXT_LINE) || strpbrk(name, "/\\"))
		return 0;
	return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* A media type goes into a Content-Type header: printable ASCII only. */
static int mime_ok(const char *mime)
{
	size_t i;
	if (!mime)
		return 0;
	for (i = 0; mime[i]; i++)
		if (i >= MIME_MAX || (unsigned char)mime[i] < 0x20 || (unsigned char)mime[i] > 0x7E)
			return 0;
	return i > 0;
}

int store_attachment_add(store *s, const char *draft_key, const char *field, const char *filename,
                         const char *mime, const void *data, size_t len, const char *sha256,
                         long long now, long long *id)
{
	if (id)
		*id = 0;
	if (!STORE_READY(s) || !store_draft_key_ok(draft_key) ||
	    !store_text_ok(field, 1, FIELD_MAX, STORE_TEXT_LINE) || !filename_ok(filename) ||
	    !mime_ok(mime) || !data || len == 0 || len > STORE_FILE_MAX || !store_hash_ok(sha256))
		return STORE_EINPUT;
	return s->be->attachment_add(s->ctx, draft_key, field, filename, mime, data, len, sha256,
	                             now, id);
}

int store_attachment_list(store *s, const char *draft_key, store_attachment *out, size_t max,
                          size_t *n)
{
	STORE_LIST_BY(s, store_draft_key_ok(draft_key), out, max, n, attachment_list, draft_key);
}

int store_attachment_get(store *s, const char *draft_key, long long id, store_attachment *meta,
                         void **data, size_t *len)
{
	store_attachment m;
	int rc;

	if (data)
		*data = NULL;
	if (len)
		*len = 0;
	if (meta)
		memset(meta, 0, sizeof(*meta));
	if (!STORE_READY(s) || !store_draft_key_ok(draft_key) || id <= 0 || !data || !len)
		return STORE_EINPUT;
	memset(&m, 0, sizeof(m));
	if ((rc = s->be->attachment_get(s->ctx, draft_key, id, &m, data, len)) != STORE_OK)
		return rc;
	if (meta)
		*meta = m;
	return STORE_OK;
}

int store_attachment_delete(store *s, const char *draft_key, long long id)
{
	if (!STORE_READY(s) || !store_draft_key_ok(draft_key) || id <= 0)
		return STORE_EINPUT;
	return s->be->attachment_delete(s->ctx, draft_key, id);
}

/* ---- quotas and pruning of drafts and uploads ---- */

int store_drafts_prune_anonymous(store *s, long long before, long long *n)
{
	STORE_COUNT_BY(s, 1, n, drafts_prune_anonymous, before);
}

static int peer_ok(const char *peer)
{
	return store_text_ok(peer, 1, STORE_PEER_MAX, STORE_TEXT_LINE);
}

int store_owner_attachment_bytes(store *s, const char *owner, long long *bytes)
{
	if (bytes)
		*bytes = 0;
	if (!STORE_READY(s) || !store_owner_ok(owner) || !bytes)
		return STORE_EINPUT;
	return s->be->owner_attachment_bytes(s->ctx, owner, bytes);
}

int store_anon_upload_add(store *s, const char *peer, long long now, long long bytes)
{
	if (!STORE_READY(s) || !peer_ok(peer) || bytes <= 0)
		return STORE_EINPUT;
	return s->be->anon_upload_add(s->ctx, peer, now, bytes);
}

int store_anon_upload_bytes(store *s, const char *peer, long long since, long long *bytes)
{
	if (bytes)
		*bytes = 0;
	if (!STORE_READY(s) || !peer_ok(peer) || !bytes)
		return STORE_EINPUT;
	return s->be->anon_upload_bytes(s->ctx, peer, since, bytes);
}

int store_anon_uploads_prune(store *s, long long before, long long *n)
{
	STORE_COUNT_BY(s, 1, n, anon_uploads_prune, before);
}
