/* pages: the screens of the portal, one file per family (catalog.c: top page, search,
 * procedure pages, static files, health; login.c, register.c, password.c, settings.c:
 * login, registration, password reset, account settings, with account.c what they share; form.c:
 * the application form, its drafts and attachments, the postal lookup; confirm.c: the confirmation,
 * the signature poll, the submission and completion; mypage.c: my page, an application's detail,
 * the withdrawal; apply_common.c: what those three share; sign.c: sign requests and the signing
 * app's API; devmail.c: /dev/mail; staff_login.c, staff_enrol.c: the staff console's login,
 * home page and enrolment; staff_admin.c, staff_audit.c, staff_reauth.c, staff_alerts.c: its
 * administration, audit log, TOTP re-entry and mail alerts; staff_dashboard.c: its 集計).
 * pages_routes() (routes.c) is the route
 * table the server dispatches on. The declarations are grouped by the file that defines them. */
#ifndef MADOGUCHI_PAGES_H
#define MADOGUCHI_PAGES_H

#include "http/http.h"

const route *pages_routes(size_t *n);

/* catalog.c, except page_procedure_start: the login and signature prompts of the procedure
 * pages (seed steps 3 and 5), defined in account.c for now */
void page_top(req *r);
void page_search(req *r);
void page_procedure(req *r);
void page_procedure_start(req *r);
/* form.c */
void page_apply_form(req *r);
void page_apply_form_post(req *r);
void page_apply_attachment(req *r);
void page_api_postal(req *r);
/* confirm.c */
void page_apply_confirm(req *r);
void page_sign_state(req *r);
void page_apply_submit(req *r);
void page_apply_complete(req *r);
/* mypage.c */
void page_mypage(req *r);
void page_mypage_detail(req *r);
void page_mypage_withdraw(req *r);
void page_mypage_withdraw_post(req *r);
/* resubmit.c: 「修正して再申請する」, the correction of a returned application (差し戻し) */
void page_mypage_resubmit_post(req *r);
/* sign.c */
void page_api_sign(req *r);
void page_api_sign_post(req *r);
/* the staff console: staff_login.c (login, logout), staff_enrol.c (the enrolment of a staff
 * member's password and second factor), staff_inbox.c (the home page with the inbox, one
 * application), staff_reverify.c (再検証, an attachment), staff_assign.c (担当) */
void page_staff_home(req *r);
void page_staff_application(req *r);
void page_staff_reverify_post(req *r);
void page_staff_attachment(req *r);
void page_staff_assign_post(req *r);
/* staff_decide.c: a reviewer's decision and an internal note on one application */
void page_staff_decision_post(req *r);
void page_staff_notes_post(req *r);
void page_staff_login(req *r);
void page_staff_login_post(req *r);
void page_staff_logout(req *r);
void page_staff_enrol(req *r);
void page_staff_enrol_post(req *r);
void page_staff_enrol_confirm(req *r);
/* staff_admin.c (staff and roles), staff_audit.c (the audit log), staff_reauth.c (the TOTP
 * re-entry), staff_alerts.c (a staff member's mail alerts) */
void page_staff_admin_staff(req *r);
void page_staff_admin_add(req *r);
void page_staff_admin_role(req *r);
void page_staff_admin_enrol(req *r);
void page_staff_admin_audit(req *r);
void page_staff_reauth(req *r);
void page_staff_reauth_post(req *r);
void page_staff_alerts(req *r);
void page_staff_alerts_post(req *r);
void page_staff_export(req *r);
void page_staff_export_post(req *r);
/* staff_bulk.c */
void page_staff_bulk(req *r);
void page_staff_bulk_post(req *r);
void page_staff_bulk_apply(req *r);
void page_staff_evidence_zip(req *r); /* staff_zip.c */
void page_staff_evidence_zip_many(req *r);
void page_staff_application_pdf(req *r); /* staff_pdf.c */
void page_staff_dashboard(req *r);       /* staff_dashboard.c */
void page_mypage_hikae(req *r);          /* mypage_pdf.c */

/* the account screens: login.c, register.c, password.c, settings.c (account.c holds what
 * they share, account_int.h) */
void page_login(req *r);
void page_login_post(req *r);
void page_logout(req *r);
void page_register(req *r);
void page_register_post(req *r);
void page_resend(req *r);
void page_resend_post(req *r);
void page_confirm(req *r);
void page_confirm_post(req *r);
void page_forgot(req *r);
void page_forgot_post(req *r);
void page_reset(req *r);
void page_reset_post(req *r);
void page_account(req *r);
void page_account_password(req *r);
void page_account_email(req *r);
void page_account_delete(req *r);
void page_email_confirm(req *r);
void page_email_confirm_post(req *r);
/* catalog.c */
void page_static(req *r);
void page_health(req *r);

/* api_v1.c: the back-office API */
void page_api_v1_list(req *r);
void page_api_v1_get(req *r);
void page_api_v1_status(req *r);

/* staff_api_keys.c */
void page_staff_api_keys(req *r);
void page_staff_api_keys_post(req *r);
void page_staff_api_key_revoke(req *r);

#endif
