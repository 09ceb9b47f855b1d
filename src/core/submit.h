/* submit: the submission of an application (seed step 15) as one durable transaction, the
 * same code for the portal (pages/confirm.c, on the worker pool) and the benchmark
 * (bench/signed_submit.c). It lives in core/ because it is the rule of what a submission
 * checks and writes, not a page; it calls the store API (store.h) and no SQL, and knows
 * nothing of HTTP: the page maps the outcome to its answer. */
#ifndef MADOGUCHI_SUBMIT_H
#define MADOGUCHI_SUBMIT_H

#include <jansson.h>

#include "core/answers.h"
#include "core/procedure.h"
#include "store/store.h"

/* At most this many attachments per draft (all file fields together). */
#define SUBMIT_MAX_ATTACHMENTS 64

/* The portal as the receipt mail names it (core/receipt.h). */
typedef struct submit_site {
	const char *city_name, *site_name, *base_url;
} submit_site;

/* 1 when the draft of a person without login ("s:" owner) was untouched for anon_draft_hours
 * at now: it is gone then, whether or not housekeeping (hourly) has deleted it yet. */
int submit_draft_expired(const store_draft *d, int anon_draft_hours, long long now);

/* attachments (as listed) -> {field: [{filename, sha256, size}]} for answers_* and
 * app_content_build. NULL when out of memory. */
json_t *submit_attachments_json(const store_attachment *att, size_t n);

/* Inside the caller's transaction: stores the application *ap (its draft_key, account_id,
 * proc_*, digest, content, display and signature filled), its receipt number into receipt
 * (STORE_RECEIPT_MAX + 1 bytes), and, when ap->account_id names an account, the receipt
 * mail into the outbox (*mailed = 1). A correction draft of a returned application gives
 * it its next version under its own receipt (store.h). Returns store_application_submit's
 * STORE_ECONFLICT for a draft submitted already (receipt then has the first receipt) or
 * for a correction of an application no longer returned (receipt ""), another store error
 * as it comes (roll back), or STORE_OK. */
int submit_record(store *s, const submit_site *site, store_application *ap, long long now,
                  char *receipt, int *mailed);

/* One submission as the confirmation page asked for it. */
typedef struct submit_request {
	const procedure *p;
	const char *owner;    /* whose draft it must be ("a:ID" or "s:HASH") */
	long long account_id; /* 0 without login */
	const char *key;      /* the draft */
	const char *digest;   /* the content's SHA-256 as the confirmation page showed it */
	int anon_draft_hours;
	bank_lookup_fn banks;
	void *banks_ctx;
	const submit_site *site;
	int timestamp; /* tsa_url is set: a signed application's time-stamp is queued with it */
	long long now;
} submit_request;

enum submit_outcome {
	SUBMIT_FAIL,     /* store failure: nothing was written */
	SUBMIT_DONE,     /* submitted (now, or before: the first submission stands) */
	SUBMIT_FORM,     /* the draft has errors: back to the form */
	SUBMIT_CHANGED,  /* the content is not the one confirmed */
	SUBMIT_UNSIGNED, /* a signature is required and none of this content arrived */
	SUBMIT_NOTFOUND, /* no such open draft of this person and procedure */
	SUBMIT_CLOSED,   /* the draft corrects an application no longer returned: nothing
	                  * was written (store_application_submit's correction) */
};

typedef struct submit_result {
	enum submit_outcome out;
	char receipt[STORE_RECEIPT_MAX + 1]; /* SUBMIT_DONE */
	int mailed;                          /* a receipt mail was committed */
	int stamp_queued;                    /* a time-stamp request was committed */
	json_t *errs;                        /* SUBMIT_FORM: the errors (caller decrefs) */
} submit_result;

/* Reads the draft, its attachments and its signature inside one (BEGIN IMMEDIATE)
 * transaction, checks them, builds the content (app_content_build), records the
 * application and its receipt mail (submit_record), with rq->timestamp and a signature the
 * request of its time-stamp (store_timestamp_queue: asked later, never waited for), and
 * commits; on any other outcome than
 * SUBMIT_DONE of a new submission nothing is written. Sets and returns res->out. */
enum submit_outcome submit_application(store *s, const submit_request *rq, submit_result *res);

/* The group commit that held res's writes failed (http/defer.h: req_defer_write): nothing
 * of it is durable, and an outcome read in that group may rest on a neighbour's lost
 * writes, so whatever it was it is SUBMIT_FAIL now (the person is asked to try again). */
void submit_lost(submit_result *res);

#endif
