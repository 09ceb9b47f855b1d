/* store_versions: the part of store_application_submit that records the correction of a
 * returned application as its next version (store.h). Internal to the store's front. */
#ifndef MADOGUCHI_STORE_VERSIONS_H
#define MADOGUCHI_STORE_VERSIONS_H

#include "store/store_impl.h"

/* Inside the submit transaction, after the draft a->draft_key was locked and found open:
 * when it corrects an application (*versioned = 1), records a as that application's next
 * version as store.h says, and fills a->receipt; when it corrects none, *versioned = 0 and
 * nothing is written (the submission goes on as a new application). */
int store_resubmit_record(store *s, store_application *a, long long now, int *versioned);

#endif
