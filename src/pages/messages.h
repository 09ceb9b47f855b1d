/* messages: the texts the portal's screens show, in one place (one home per text: a text
 * two screens show is written once). Format strings checked by printf stay next to their
 * callers as macros. */
#ifndef MADOGUCHI_PAGES_MESSAGES_H
#define MADOGUCHI_PAGES_MESSAGES_H

/* account.c */
extern const char MSG_TRY_LATER[];
extern const char MSG_LINK_EXPIRED[];
extern const char MSG_BUSY_TITLE[];
extern const char MSG_FORBIDDEN_TEXT[];
extern const char MSG_THROTTLED_TEXT[];
extern const char MSG_MAIL_SENT_TEXT[];
extern const char MSG_BAD_LINK_TEXT[];
extern const char MSG_FORGOT_LEAD[];
extern const char MSG_RESEND_LEAD[];
/* apply_common.c */
extern const char MSG_BUSY[];
extern const char MSG_NOT_OWN[];
/* confirm.c */
extern const char MSG_CHANGED[];
extern const char MSG_SIGNATURE_STALE[];
extern const char MSG_SIGN_FIRST[];
extern const char MSG_SUBMIT_BUSY[];
extern const char MSG_REOPEN_CONFIRM[];
extern const char MSG_REOPEN[];
/* form.c */
extern const char MSG_SAVED[];
extern const char MSG_REMOVED[];
extern const char MSG_SAVE_BUSY[];
extern const char MSG_SIGN_BUSY[];
extern const char MSG_UNREADABLE[];
extern const char MSG_TOO_MANY[];
extern const char MSG_BAD_FILENAME[];
extern const char MSG_TOO_LONG[];
extern const char MSG_POSTAL_FORM[];
extern const char MSG_POSTAL_DOWN[];
extern const char MSG_POSTAL_NONE[];
/* login.c */
extern const char MSG_GENERIC_LOGIN_ERROR[];
extern const char MSG_LOGIN_UNAVAILABLE_TEXT[];
extern const char MSG_UNVERIFIED_TEXT[];
extern const char MSG_LOCKED_FMT[];
/* mypage.c */
extern const char MSG_WITHDRAW_BUSY[];
extern const char MSG_NOT_WITHDRAWABLE[];
/* correction of a returned application (resubmit.c) */
extern const char MSG_RESUBMIT_NOTICE[];
extern const char MSG_RESUBMIT_NOT_RETURNED_TITLE[];
extern const char MSG_RESUBMIT_NOT_RETURNED[];
extern const char MSG_RESUBMIT_OTHER_DRAFT[];
extern const char MSG_RESUBMIT_BUSY[];
extern const char MSG_STAFF_VERSION_VALID[];
extern const char MSG_STAFF_VERSION_INVALID[];
extern const char MSG_STAFF_VERSION_NO_REPORT[];
extern const char MSG_STAFF_VERSION_UNSIGNED[];
extern const char MSG_STAFF_VERSIONS_FAILED[];
/* password.c */
extern const char MSG_MAIL_RESET[];
extern const char MSG_RESET_EXPIRED_TEXT[];
extern const char MSG_SESSIONS_ENDED_TEXT[];
/* register.c */
extern const char MSG_EMAIL_HINT[];
extern const char MSG_PASSWORD_HINT[];
extern const char MSG_SENT_TEXT[];
extern const char MSG_SENT_HINT[];
extern const char MSG_CONFIRMED_TEXT[];
extern const char MSG_NOT_CONFIRMED_HINT[];
extern const char MSG_MAIL_VERIFY[];
extern const char MSG_MAIL_EXISTS[];
/* settings.c */
extern const char MSG_MAIL_EMAIL[];
extern const char MSG_PASSWORD_CHANGED[];
extern const char MSG_EMAIL_SENT[];
extern const char MSG_EMAIL_TAKEN[];
extern const char MSG_WRONG_CURRENT[];
extern const char MSG_NO_CURRENT[];
extern const char MSG_CANNOT_PROCESS[];
/* staff_login.c, staff_enrol.c (the staff console) */
extern const char MSG_STAFF_LOGIN_ERROR[];
extern const char MSG_STAFF_CODE_HINT[];
extern const char MSG_STAFF_BAD_FILTER_TITLE[];
extern const char MSG_STAFF_BAD_FILTER[];
extern const char MSG_STAFF_APP_NOT_FOUND_TITLE[];
extern const char MSG_STAFF_APP_NOT_FOUND[];
extern const char MSG_STAFF_PROC_FORBIDDEN_TITLE[];
extern const char MSG_STAFF_PROC_FORBIDDEN[];
extern const char MSG_STAFF_FORBIDDEN_TITLE[];
extern const char MSG_STAFF_FORBIDDEN[];
extern const char MSG_STAFF_B4_NONE[];
extern const char MSG_STAFF_B4_SIDE_BY_SIDE[];
/* inbox filters and evidence (staff_inbox.c, staff_evidence.c, staff_assign.c) */
extern const char MSG_STAFF_DIFFERS_YES[];
extern const char MSG_STAFF_DIFFERS_NO[];
extern const char MSG_STAFF_DIFFERS_UNKNOWN[];
extern const char MSG_STAFF_ASSIGNEE_NONE[];
extern const char MSG_STAFF_ASSIGNEE_ME[];
extern const char MSG_STAFF_ASSIGNEE_OTHER[];
extern const char MSG_STAFF_CMP_DIFFERENT[];
extern const char MSG_STAFF_CMP_SAME[];
extern const char MSG_STAFF_CMP_MISSING[];
extern const char MSG_STAFF_NOT_ANSWERED[];
extern const char MSG_STAFF_TIMESTAMP[];
extern const char MSG_STAFF_TIMESTAMP_PENDING[];
extern const char MSG_STAFF_TIMESTAMP_FAILED[];
extern const char MSG_STAFF_REVERIFY_FAILED[];
extern const char MSG_STAFF_NOT_REVIEWER_TITLE[];
extern const char MSG_STAFF_NOT_REVIEWER[];
extern const char MSG_STAFF_FILE_NOT_FOUND[];
extern const char MSG_STAFF_BAD_ACTION_TITLE[];
extern const char MSG_STAFF_BAD_ACTION[];
extern const char MSG_STAFF_NOT_SIGNED[];
extern const char MSG_STAFF_ENROL_BAD_LINK[];
extern const char MSG_STAFF_PW_MISMATCH[];
extern const char MSG_STAFF_ENROL_CODE_HINT[];
extern const char MSG_STAFF_CODE_WRONG[];
extern const char MSG_STAFF_RECOVERY_LEAD[];
extern const char MSG_STAFF_BAD_LINK_TITLE[];
extern const char MSG_STAFF_QR_LABEL[];
/* administration, alerts and re-entry (staff_admin.c, staff_alerts.c, staff_reauth.c) */
extern const char MSG_STAFF_ADMIN_ONLY_TITLE[];
extern const char MSG_STAFF_ADMIN_ONLY[];
extern const char MSG_STAFF_ADMIN_BAD_TITLE[];
extern const char MSG_STAFF_ADMIN_BAD[];
extern const char MSG_STAFF_ADMIN_TAKEN_TITLE[];
extern const char MSG_STAFF_ADMIN_TAKEN[];
extern const char MSG_STAFF_ADMIN_ENROLLED_TITLE[];
extern const char MSG_STAFF_ADMIN_ENROLLED[];
extern const char MSG_STAFF_ADMIN_NAME_HINT[];
extern const char MSG_STAFF_ADMIN_LINK_LEAD[];
extern const char MSG_STAFF_AUDIT_BAD[];
extern const char MSG_STAFF_REAUTH_LEAD[];
extern const char MSG_STAFF_REAUTH_WRONG[];
extern const char MSG_STAFF_ALERTS_LEAD[];
extern const char MSG_STAFF_ALERTS_BAD[];
/* exports (staff_export.c) */
extern const char MSG_EXPORT_LEAD[];
extern const char MSG_EXPORT_BAD_TITLE[];
extern const char MSG_EXPORT_BAD[];
extern const char MSG_EXPORT_TOO_MANY[];
extern const char MSG_EXPORT_NO_ROLE[];
extern const char MSG_EXPORT_LOSS_LEAD[];
/* the dashboard (staff_dashboard.c) */
extern const char MSG_DASH_TITLE[];
extern const char MSG_DASH_CHART_TITLE[];
extern const char MSG_DASH_BAD_TITLE[];
extern const char MSG_DASH_BAD[];
extern const char MSG_DASH_FORBIDDEN_TITLE[];
extern const char MSG_DASH_FORBIDDEN[];
/* evidence package (staff_zip.c) */
extern const char MSG_ZIP_TOO_BIG[];
extern const char MSG_ZIP_MANY_BAD_TITLE[];
extern const char MSG_ZIP_MANY_BAD[];
/* the PDF of an application (staff_pdf.c, mypage_pdf.c) */
extern const char MSG_PDF_HIKAE[];
extern const char MSG_PDF_STAFF[];
extern const char MSG_PDF_EVIDENCE[];
extern const char MSG_PDF_SIGNATURE[];
extern const char MSG_PDF_UNSIGNED[];
extern const char MSG_PDF_SIGNER[];
extern const char MSG_PDF_RESULT[];
extern const char MSG_PDF_VERIFIED_AT[];
extern const char MSG_PDF_ISSUER[];
extern const char MSG_PDF_SERIAL[];
extern const char MSG_PDF_VALIDITY[];
extern const char MSG_PDF_REVOCATION[];
extern const char MSG_PDF_DIGEST[];
extern const char MSG_PDF_REVERIFIED[];
extern const char MSG_PDF_NO_NOTES[];
/* the audit log's actions in words, {action, words} pairs ending with {NULL, NULL} */
extern const char *const MSG_AUDIT_ACTIONS[][2];
/* staff decisions and notes (staff_decide.c) */
extern const char MSG_DECIDE_VIEWER_ONLY[];
extern const char MSG_DECIDE_NO_CHOICE[];
extern const char MSG_DECIDE_DONE[];
extern const char MSG_DECIDE_NOTE_DONE[];
extern const char MSG_DECIDE_BAD_TITLE[];
extern const char MSG_DECIDE_BAD[];
extern const char MSG_DECIDE_BAD_TEXT[];
extern const char MSG_DECIDE_NEEDS_TEXT_TITLE[];
extern const char MSG_DECIDE_NEEDS_REASON[];
extern const char MSG_DECIDE_NEEDS_MESSAGE[];
extern const char MSG_DECIDE_CONFLICT_TITLE[];
extern const char MSG_DECIDE_CONFLICT[];
extern const char MSG_DECIDE_FORBIDDEN_TITLE[];
extern const char MSG_DECIDE_FORBIDDEN[];
extern const char MSG_DECIDE_NOT_APPLIED[];
extern const char MSG_NOTE_BAD_TITLE[];
extern const char MSG_NOTE_BAD[];
extern const char MSG_TL_APPLICANT[];
extern const char MSG_TL_NOTE[];
extern const char MSG_TL_MAIL[];
extern const char MSG_TL_VIEW[];
extern const char MSG_TL_DECISION[];
extern const char MSG_TL_ATTACHMENT[];
extern const char MSG_TL_EXPORT[];
extern const char MSG_TL_REVERIFY[];
extern const char MSG_MYPAGE_REASON[];
extern const char MSG_MYPAGE_MESSAGE[];

/* form.c: a client address past anon_sessions_peer_hour */
extern const char MSG_ANON_THROTTLED_TITLE[];
extern const char MSG_ANON_THROTTLED[];

/* bulk decisions (staff_bulk.c) */
extern const char MSG_BULK_LEAD[];
extern const char MSG_BULK_BAD_TITLE[];
extern const char MSG_BULK_NONE[];
extern const char MSG_BULK_NO_FILE[];
extern const char MSG_BULK_CSV_ENCODING[];
extern const char MSG_BULK_CSV_SYNTAX[];
extern const char MSG_BULK_CSV_CELLS[];
extern const char MSG_BULK_CSV_RECEIPT[];
extern const char MSG_BULK_CSV_STATUS[];
extern const char MSG_BULK_CSV_TWICE[];
extern const char MSG_BULK_CSV_TOO_MANY[];
extern const char MSG_BULK_CSV_EMPTY[];
extern const char MSG_BULK_NOTHING_KEPT[];
extern const char MSG_BULK_BAD_STEPS[];
extern const char MSG_BULK_WOULD[];
extern const char MSG_BULK_NOT_FOUND[];
extern const char MSG_BULK_NO_ROLE[];
extern const char MSG_BULK_NOT_ALLOWED[];
extern const char MSG_BULK_NEEDS_TEXT[];
extern const char MSG_BULK_NO_MAIL[];
extern const char MSG_BULK_DONE[];
extern const char MSG_BULK_DONE_MAILED[];
extern const char MSG_BULK_CONFLICT[];
extern const char MSG_BULK_FAIL[];

/* the back-office API (api_v1.c) */
extern const char MSG_API_UNAUTHORIZED[];
extern const char MSG_API_FORBIDDEN[];
extern const char MSG_API_READ_ONLY[];
extern const char MSG_API_NOT_FOUND[];
extern const char MSG_API_BAD_REQUEST[];
extern const char MSG_API_NOT_ALLOWED[];
extern const char MSG_API_TEXT_REQUIRED[];
extern const char MSG_API_CONFLICT[];
extern const char MSG_API_UNAVAILABLE[];

/* the back-office API's keys (staff_api_keys.c) */
extern const char MSG_API_KEYS_LEAD[];
extern const char MSG_API_KEY_SHOWN_ONCE[];
extern const char MSG_API_KEY_BAD[];
extern const char MSG_API_KEY_GONE[];

#endif
