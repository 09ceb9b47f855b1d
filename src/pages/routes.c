/* routes: the route table of the portal. */
#include "pages/devmail.h"
#include "pages/pages.h"

static const route routes[] = {
    {M_GET | M_HEAD, "/", page_top, 0},
    {M_GET | M_HEAD, "/search", page_search, 0},
    {M_GET | M_HEAD, "/procedures/:id", page_procedure, 0},
    {M_GET | M_HEAD, "/procedures/:id/start", page_procedure_start, 0},
    {M_GET | M_HEAD, "/procedures/:id/form", page_apply_form, 0},
    /* attachments: 30 MB a request (below the hard limit, config max_body_bytes) */
    {M_POST, "/procedures/:id/form", page_apply_form_post, (size_t)30 << 20},
    {M_GET | M_HEAD, "/procedures/:id/confirm", page_apply_confirm, 0},
    {M_GET | M_HEAD, "/procedures/:id/attachments/:aid", page_apply_attachment, 0},
    {M_POST, "/procedures/:id/submit", page_apply_submit, 0},
    {M_GET | M_HEAD, "/applications/:receipt/complete", page_apply_complete, 0},
    {M_GET | M_HEAD, "/mypage", page_mypage, 0},
    {M_GET | M_HEAD, "/mypage/:receipt", page_mypage_detail, 0},
    {M_GET | M_HEAD, "/mypage/:receipt/withdraw", page_mypage_withdraw, 0},
    {M_POST, "/mypage/:receipt/withdraw", page_mypage_withdraw_post, 0},
    {M_GET | M_HEAD, "/api/postal/:code", page_api_postal, 0},
    {M_GET, "/procedures/:id/signature", page_sign_state, 0},
    {M_GET, "/api/sign/:id", page_api_sign, 0},
    {M_POST, "/api/sign/:id", page_api_sign_post, (size_t)256 << 10},
    {M_GET | M_HEAD, "/login", page_login, 0},
    {M_POST, "/login", page_login_post, 0},
    {M_POST, "/logout", page_logout, 0},
    {M_GET | M_HEAD, "/register", page_register, 0},
    {M_POST, "/register", page_register_post, 0},
    {M_GET | M_HEAD, "/register/resend", page_resend, 0},
    {M_POST, "/register/resend", page_resend_post, 0},
    {M_GET | M_HEAD, "/register/confirm", page_confirm, 0},
    {M_POST, "/register/confirm", page_confirm_post, 0},
    {M_GET | M_HEAD, "/password/forgot", page_forgot, 0},
    {M_POST, "/password/forgot", page_forgot_post, 0},
    {M_GET | M_HEAD, "/password/reset", page_reset, 0},
    {M_POST, "/password/reset", page_reset_post, 0},
    {M_GET | M_HEAD, "/account", page_account, 0},
    {M_POST, "/account/password", page_account_password, 0},
    {M_POST, "/account/email", page_account_email, 0},
    {M_POST, "/account/delete", page_account_delete, 0},
    {M_GET | M_HEAD, "/account/email/confirm", page_email_confirm, 0},
    {M_POST, "/account/email/confirm", page_email_confirm_post, 0},
    {M_GET | M_HEAD, "/staff", page_staff_home, 0},
    {M_GET | M_HEAD, "/staff/applications/:receipt", page_staff_application, 0},
    {M_POST, "/staff/applications/:receipt/decision", page_staff_decision_post, 0},
    {M_POST, "/staff/applications/:receipt/notes", page_staff_notes_post, 0},
    {M_GET | M_HEAD, "/staff/login", page_staff_login, 0},
    {M_POST, "/staff/login", page_staff_login_post, 0},
    {M_POST, "/staff/logout", page_staff_logout, 0},
    {M_GET | M_HEAD, "/staff/enrol", page_staff_enrol, 0},
    {M_POST, "/staff/enrol", page_staff_enrol_post, 0},
    {M_POST, "/staff/enrol/confirm", page_staff_enrol_confirm, 0},
    {M_GET | M_HEAD, "/healthz", page_health, 0},
    {M_GET | M_HEAD, "/dev/mail", page_dev_mail, 0},
    {M_GET | M_HEAD, "/static/*", page_static, 0},
};

const route *pages_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}
