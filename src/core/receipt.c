/* receipt: the receipt mail of an application (see receipt.h). */
#include "core/receipt.h"

#include <stdio.h>

#include "util/jdate.h"

void receipt_mail(const char *city_name, const char *site_name, const char *base_url,
                  const char *receipt, const char *title, long long submitted_at, char *subject,
                  size_t subject_len, char *body, size_t body_len)
{
	char when[128];
	jdate_format_time(submitted_at, when, sizeof(when));
	snprintf(subject, subject_len, "【%s】申請を受け付けました（受付番号 %s）", city_name,
	         receipt);
	snprintf(body, body_len,
	         "%s %s で、次の申請を受け付けました。\n\n"
	         "受付番号：%s\n"
	         "手続：%s\n"
	         "申請日時：%s\n\n"
	         "担当の課が内容を確認します。お問い合わせのときは、受付番号をお伝えください。\n"
	         "申請の状況は、マイページで確かめられます。\n%s/mypage/%s\n\n"
	         "このメールは送信専用です。返信はできません。\n",
	         city_name, site_name, receipt, title, when, base_url, receipt);
}
