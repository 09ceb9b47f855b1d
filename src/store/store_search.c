/* store_search: the procedure index and its search; queries are trimmed, bounded and split
 * here so that every back end sees the same terms. */
#include "store/store_impl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

/* ---- procedure search ---- */

int store_index_procedures(store *s, const store_proc_doc *docs, size_t n)
{
	int rc = STORE_OK, own = 0;
	size_t i;

	if (!s || !s->ctx || (n > 0 && !docs))
		return STORE_EINPUT;
	for (i = 0; i < n; i++)
		if (!docs[i].id || !docs[i].id[0])
			return STORE_EINPUT;

	if ((rc = store_tx_start(s, &own)) != STORE_OK)
		return rc;
	if ((rc = s->be->clear_procedures(s->ctx)) != STORE_OK)
		goto out;
	for (i = 0; i < n; i++) {
		store_proc_doc d = {
		    .id = docs[i].id,
		    .title = docs[i].title ? docs[i].title : "",
		    .summary = docs[i].summary ? docs[i].summary : "",
		    .body = docs[i].body ? docs[i].body : "",
		};
		if ((rc = s->be->add_procedure(s->ctx, &d)) != STORE_OK)
			goto out;
	}
out:
	return store_tx_end(s, own, rc);
}

int store_procedure_set_swap(store *s, const char *digest, long long now,
                             char previous[STORE_PROCSET_DIGEST_LEN + 1])
{
	int rc, own = 0;
	if (!previous)
		return STORE_EINPUT;
	previous[0] = '\0';
	if (!s || !s->ctx || !digest || strlen(digest) != STORE_PROCSET_DIGEST_LEN)
		return STORE_EINPUT;
	if ((rc = store_tx_start(s, &own)) != STORE_OK)
		return rc;
	if ((rc = s->be->procset_get(s->ctx, previous)) == STORE_OK)
		rc = s->be->procset_put(s->ctx, digest, now);
	return store_tx_end(s, own, rc);
}

int store_procedure_set_get(store *s, char digest[STORE_PROCSET_DIGEST_LEN + 1])
{
	if (!digest)
		return STORE_EINPUT;
	digest[0] = '\0';
	if (!s || !s->ctx)
		return STORE_EINPUT;
	return s->be->procset_get(s->ctx, digest);
}

/* Bytes of the separator at p (ASCII white space or U+3000 IDEOGRAPHIC SPACE), else 0. */
static size_t separator_len(const char *p, size_t left)
{
	unsigned char c = (unsigned char)p[0];
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
		return 1;
	if (left >= 3 && c == 0xE3 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0x80)
		return 3;
	return 0;
}

void store_query_parse(const char *query, struct store_query *q)
{
	size_t len, i, sep, start;

	memset(q, 0, sizeof(*q));
	if (!query)
		return;
	len = strlen(query);
	while (len > 0 && (sep = separator_len(query, len)) > 0) {
		query += sep;
		len -= sep;
	}
	/* Cut before the character that would straddle the limit. */
	len = utf8_cut(query, len, STORE_QUERY_MAX_BYTES);
	memcpy(q->text, query, len);
	q->text[len] = '\0';

	/* Split in place: separators become NULs, terms point at what is left. */
	start = 0;
	for (i = 0; i <= len;) {
		sep = i < len ? separator_len(q->text + i, len - i) : 1;
		if (sep == 0) {
			i++;
			continue;
		}
		memset(q->text + i, 0, i < len ? sep : 0);
		if (i > start && q->nterms < STORE_QUERY_MAX_TERMS) {
			const char *t = q->text + start;
			q->terms[q->nterms++] = t;
			if (utf8_count(t) < STORE_QUERY_MIN_INDEXED)
				q->has_short_term = 1;
		}
		i += sep;
		start = i;
	}
}

int store_ids_push(struct store_ids *l, const char *id, size_t len)
{
	char *copy;
	if (l->n + 1 >= l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **p;
		if (cap > SIZE_MAX / sizeof(*p))
			return STORE_ENOMEM;
		p = realloc(l->ids, cap * sizeof(*p));
		if (!p)
			return STORE_ENOMEM;
		l->ids = p;
		l->cap = cap;
	}
	copy = malloc(len + 1);
	if (!copy)
		return STORE_ENOMEM;
	memcpy(copy, id, len);
	copy[len] = '\0';
	l->ids[l->n++] = copy;
	l->ids[l->n] = NULL;
	return STORE_OK;
}

void store_ids_release(struct store_ids *l)
{
	store_free_ids(l->ids);
	memset(l, 0, sizeof(*l));
}

void store_free_ids(char **ids)
{
	size_t i;
	if (!ids)
		return;
	for (i = 0; ids[i]; i++)
		free(ids[i]);
	free(ids);
}

int store_search_procedures(store *s, const char *query, size_t limit, char ***ids, size_t *n)
{
	struct store_query q;
	struct store_ids list = {0};
	int rc = STORE_OK;

	if (ids)
		*ids = NULL;
	if (n)
		*n = 0;
	if (!s || !s->ctx || !query || !ids || !n)
		return STORE_EINPUT;

	store_query_parse(query, &q);
	if (q.nterms > 0 && limit > 0) {
		rc = s->be->search_procedures(s->ctx, &q, limit, &list);
		if (rc != STORE_OK)
			goto out;
	}
	if (!list.ids) {
		/* No match still gives an array the caller can free. */
		list.ids = calloc(1, sizeof(*list.ids));
		if (!list.ids) {
			rc = STORE_ENOMEM;
			goto out;
		}
		list.cap = 1;
	}
	*ids = list.ids;
	*n = list.n;
	memset(&list, 0, sizeof(list));
out:
	store_ids_release(&list);
	return rc;
}
