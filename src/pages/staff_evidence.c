/* staff_evidence: the signature evidence panel of an application's staff page: the basic
 * four of the signing certificate as the verification at arrival recorded them, beside the
 * form's answers. */
#include <jansson.h>
#include <stddef.h>

#include "pages/messages.h"
#include "pages/staff_int.h"
#include "util/jdate.h"

/* The stored report's basic four as rows {label, value}; NULL when there is none. */
static json_t *basic4_json(const char *report)
{
	static const char *const keys[] = {"name", "birth_date", "gender", "address"};
	static const char *const labels[] = {"氏名", "生年月日", "性別", "住所"};
	json_t *root = report ? json_loads(report, 0, NULL) : NULL;
	json_t *b4 = json_object_get(root, "basic_four"), *rows = NULL;
	if (json_is_object(b4)) {
		rows = json_array();
		for (size_t i = 0; i < 4; i++) {
			const char *v = json_string_value(json_object_get(b4, keys[i]));
			char date[128];
			if (i == 1 && !v) /* no calendar date: the certificate's own text */
				v = json_string_value(json_object_get(b4, "birth"));
			if (i == 1 && v && jdate_format(v, date, sizeof(date)) == 0)
				v = date; /* the era, as the resident pages show dates */
			json_array_append_new(rows, json_pack("{s:s, s:s}", "label", labels[i],
			                                      "value", v ? v : MSG_STAFF_B4_NONE));
		}
	}
	json_decref(root);
	return rows;
}

void staff_evidence_ctx(json_t *ctx, const store_application *ap)
{
	json_object_set_new(ctx, "signed", json_boolean(ap->signature_len > 0));
	json_t *b4 = basic4_json(ap->verification);
	json_object_set_new(ctx, "has_basic4", json_boolean(b4 != NULL));
	if (b4)
		json_object_set_new(ctx, "basic4", b4);
	json_object_set_new(ctx, "b4_note", json_string(MSG_STAFF_B4_SIDE_BY_SIDE));
}
