/* staff_admin: the administrator's changes to the staff (a member added with the mailed
 * enrolment link, the link issued again, a role on a procedure set or removed) and the rule
 * of the TOTP re-entry (step-up), without HTTP. Each change and its one AUDIT_STAFF_CHANGE
 * row (and its mail) commit in one transaction: no row, no change. */
#ifndef MADOGUCHI_STAFF_ADMIN_H
#define MADOGUCHI_STAFF_ADMIN_H

#include "core/staff.h"
#include "core/submit.h"

/* Adds the staff member (staff_invite_with) and, in the same transaction, the audit row
 * ("add staff:ID", "add staff:ID admin") of actor (a staff id, -1 for "system") from peer
 * and the enrolment mail to email naming site. token (TOKEN_LEN + 1) gets the link's token,
 * *id the new id. STORE_ECONFLICT when the address is taken, another STORE_* code else. */
int staff_admin_add(store *s, const submit_site *site, long long actor, const char *peer,
                    const char *email, const char *name, int is_admin, long long now, char *token,
                    long long *id);

/* A new enrolment link for staff member id not yet enrolled (STORE_ECONFLICT when enrolled,
 * STORE_ENOTFOUND when absent), mailed, with its audit row "enrol-link staff:ID". */
int staff_admin_reissue(store *s, const submit_site *site, long long actor, const char *peer,
                        long long id, long long now, char *token);

/* Sets staff member id's role on proc_id (STAFF_NO_ROLE removes it), with its audit row
 * "role staff:ID PROC reviewer|viewer|none"; *changed is 0 and nothing is written when the
 * role was that already. STORE_ENOTFOUND when the member is absent. */
int staff_admin_role(store *s, long long actor, const char *peer, long long id, const char *proc_id,
                     enum staff_role role, long long now, int *changed);

/* The re-entry rule: 1 when the staff session id_hash had its TOTP code (or a recovery
 * code) entered, at login or at /staff/reauth, at most window seconds before now; 0 when not
 * (or never), -1 on a store error. The administrator's changes call it now; exports and bulk
 * decisions are to call the same rule. */
int staff_step_up_fresh(store *s, const char *id_hash, long long now, long long window);

#endif
