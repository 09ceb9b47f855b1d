/* account: e-mail and password rules and argon2id hashing (see account.h). */
#include "core/account.h"

#include <argon2.h>
#include <ctype.h>
#include <string.h>
#include <sys/random.h>
#include <unistr.h>

#include "util/utf8.h"

int text_is_clean(const char *s, size_t len, int multiline)
{
	return utf8_text_ok(s, len, multiline ? "\n\r\t" : "");
}

int account_check_email(const char *in, size_t len, char *out, size_t outlen, const char **msg)
{
	while (len && (*in == ' ' || *in == '\t')) {
		in++;
		len--;
	}
	while (len && (in[len - 1] == ' ' || in[len - 1] == '\t'))
		len--;
	if (len == 0) {
		*msg = "メールアドレスを入力してください。";
		return -1;
	}
	if (!text_is_clean(in, len, 0)) {
		*msg = "メールアドレスに使えない文字が含まれています。";
		return -1;
	}
	if (len > ACCOUNT_EMAIL_MAX || len + 1 > outlen) {
		*msg = "メールアドレスが長すぎます。254文字以内で入力してください。";
		return -1;
	}
	const char *at = memchr(in, '@', len);
	if (!at || at == in || memchr(at + 1, '@', len - (size_t)(at - in) - 1)) {
		*msg = "メールアドレスを「example@example.jp」のような形で入力してください。";
		return -1;
	}
	size_t local = (size_t)(at - in), dlen = len - local - 1;
	for (size_t i = 0; i < local; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c >= 0x80 || !(isalnum(c) || strchr("!#$%&'*+-/=?^_`{|}~.", c))) {
			*msg =
			    "メールアドレスに使えない文字が含まれています。半角の英数字と記号で入力してください。";
			return -1;
		}
	}
	int dot = 0;
	const char *d = at + 1;
	for (size_t i = 0; i < dlen; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c == '.') {
			if (i == 0 || i + 1 == dlen || d[i - 1] == '.') {
				dot = -100;
				break;
			}
			dot++;
		} else if (!(isalnum(c) || c == '-')) {
			dot = -100;
			break;
		}
	}
	if (dlen == 0 || dot < 1) {
		*msg = "メールアドレスを「example@example.jp」のような形で入力してください。";
		return -1;
	}
	memcpy(out, in, len);
	out[len] = '\0';
	for (size_t i = local + 1; i < len; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	return 0;
}

int account_check_password(const char *pw, size_t len, const char **msg)
{
	if (len == 0) {
		*msg = "パスワードを入力してください。";
		return -1;
	}
	if (len > ACCOUNT_PW_MAX * 4 || !text_is_clean(pw, len, 0)) {
		*msg = "パスワードに使えない文字が含まれています。";
		return -1;
	}
	size_t chars = u8_mbsnlen((const uint8_t *)pw, len);
	if (chars < ACCOUNT_PW_MIN) {
		*msg = "パスワードは8文字以上で入力してください。";
		return -1;
	}
	if (chars > ACCOUNT_PW_MAX) {
		*msg = "パスワードは256文字以内で入力してください。";
		return -1;
	}
	return 0;
}

int password_hash(const pw_params *p, const char *pw, size_t len, char *out, size_t outlen)
{
	unsigned char salt[16];
	if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt))
		return -1;
	int r = argon2id_hash_encoded(p->t_cost, p->m_cost_kib, p->parallelism, pw, len, salt,
	                              sizeof(salt), 32, out, outlen);
	return r == ARGON2_OK ? 0 : -1;
}

int password_verify(const char *encoded, const char *pw, size_t len)
{
	if (!encoded || strncmp(encoded, "$argon2id$", 10) != 0)
		return 0;
	return argon2id_verify(encoded, pw, len) == ARGON2_OK;
}
