/* messages: the screens' texts (see messages.h). */
#include "pages/messages.h"

#include <stddef.h>

/* account.c */
const char MSG_TRY_LATER[] = "しばらくしてから、もう一度お試しください。";
const char MSG_LINK_EXPIRED[] = "リンクの有効期限が切れたか、すでに使われています。";
const char MSG_BUSY_TITLE[] = "ただいま混み合っています";
const char MSG_FORBIDDEN_TEXT[] =
    "ページの有効期限が切れた可能性があります。前のページを開き直して、もう一度お試しください。";
const char MSG_THROTTLED_TEXT[] =
    "この端末からの申込みが続いたため、しばらく受け付けられません。1時間ほどしてから、もう一度お試しください。";
const char MSG_MAIL_SENT_TEXT[] =
    "入力したメールアドレスが登録されていれば、メールを送りました。メールに書かれたリンクを開いてください。";
const char MSG_BAD_LINK_TEXT[] = "メールに書かれたリンクを、そのまま開いてください。";
const char MSG_FORGOT_LEAD[] =
    "登録したメールアドレスを入力してください。パスワードを設定し直すためのリンクをメールで送ります。";
const char MSG_RESEND_LEAD[] =
    "登録したメールアドレスを入力してください。利用者登録を完了するためのリンクを、もう一度メールで送ります。";
/* apply_common.c */
const char MSG_BUSY[] =
    "入力した内容は失われていません。しばらくしてから、もう一度お試しください。";
const char MSG_NOT_OWN[] =
    "受付番号をお確かめください。ログインしていない場合は、ログインしてから開いてください。";
/* confirm.c */
const char MSG_CHANGED[] = "申請内容が変わりました。内容をもう一度確かめてから、申請してください。";
const char MSG_SIGNATURE_STALE[] =
    "電子署名のあとで申請内容が変わったため、その署名は使えなくなりました。もう一度、電子署名をしてください。";
const char MSG_SIGN_FIRST[] = "この手続は、電子署名をしてから申請してください。";
const char MSG_SUBMIT_BUSY[] =
    "申請は、まだ完了していません。入力した内容は残っています。しばらくしてから、もう一度「申請する」を押してください。";
const char MSG_REOPEN_CONFIRM[] = "確認画面を開き直して、もう一度お試しください。";
const char MSG_REOPEN[] = "ページを開き直して、もう一度お試しください。";
/* form.c */
const char MSG_SAVED[] = "入力した内容を保存しました。続きは、後からでも入力できます。";
const char MSG_REMOVED[] = "ファイルを削除しました。";
const char MSG_SIGN_BUSY[] =
    "署名は、まだ受け付けられていません。しばらくしてから、もう一度署名してください。";
const char MSG_SAVE_BUSY[] =
    "入力した内容は、まだ保存されていません。しばらくしてから、もう一度お試しください。";
const char MSG_UNREADABLE[] = "送信された内容を読み取れませんでした";
const char MSG_TOO_MANY[] =
    "一度に送れるファイルや項目の数を超えています。ファイルを分けて添付してください。";
const char MSG_BAD_FILENAME[] =
    "ファイルの名前に使えない文字が含まれています。ファイルの名前を変えてから、もう一度添付してください。";
const char MSG_TOO_LONG[] = "内容を短くして、もう一度お試しください。";
const char MSG_POSTAL_FORM[] = "郵便番号は7桁の数字で入力してください。";
const char MSG_POSTAL_DOWN[] = "住所を調べられませんでした。住所を入力してください。";
const char MSG_POSTAL_NONE[] = "この郵便番号の住所は見つかりませんでした。";
/* login.c */
const char MSG_GENERIC_LOGIN_ERROR[] = "メールアドレスまたはパスワードが正しくありません。";
const char MSG_LOGIN_UNAVAILABLE_TEXT[] =
    "ただいまログインできません。しばらくしてから、もう一度お試しください。";
const char MSG_UNVERIFIED_TEXT[] =
    "メールアドレスの確認が済んでいません。届いたメールのリンクを開いて、利用者登録を完了してください。";
const char MSG_LOCKED_FMT[] =
    "ログインに続けて失敗したため、しばらくログインできません。%sごろから、もう一度お試しください（%ld分間お待ちいただきます）。";
/* mypage.c */
const char MSG_WITHDRAW_BUSY[] =
    "申請は、まだ取り下げられていません。しばらくしてから、もう一度お試しください。";
const char MSG_NOT_WITHDRAWABLE[] =
    "この申請は、すでに審査が終わっているか、取り下げられています。マイページで状況を確かめてください。";
/* correction of a returned application (resubmit.c) */
const char MSG_RESUBMIT_NOTICE[] =
    "この申請は差し戻されました。内容を修正して、もう一度申請してください。";
const char MSG_RESUBMIT_NOT_RETURNED_TITLE[] = "修正して再申請できません";
const char MSG_RESUBMIT_NOT_RETURNED[] =
    "この申請は差し戻されていないため、修正して再申請することはできません。マイページで状況を確かめてください。";
const char MSG_RESUBMIT_OTHER_DRAFT[] =
    "同じ手続に、入力途中の申請があります。その申請を済ませてから、もう一度お試しください。";
const char MSG_RESUBMIT_BUSY[] =
    "修正の準備は、まだできていません。しばらくしてから、もう一度お試しください。";
const char MSG_STAFF_VERSION_VALID[] = "電子署名あり。検証の結果：有効";
const char MSG_STAFF_VERSION_INVALID[] = "電子署名あり。検証の結果：有効ではありません";
const char MSG_STAFF_VERSION_NO_REPORT[] = "電子署名あり。検証の記録がありません";
const char MSG_STAFF_VERSION_UNSIGNED[] = "電子署名なし";
const char MSG_STAFF_VERSIONS_FAILED[] =
    "申請の版の一覧を読み込めませんでした。しばらくしてから、ページを開き直してください。";
/* password.c */
const char MSG_MAIL_RESET[] =
    "%s %s のパスワードの再設定を受け付けました。\n\n"
    "次のリンクを開いて、新しいパスワードを設定してください（1時間有効です）。\n%s\n\n"
    "お心当たりのない場合は、このメールを破棄してください。パスワードは変わりません。\n";
const char MSG_RESET_EXPIRED_TEXT[] = "リンクの有効期限（1時間）が切れたか、すでに使われています。";
const char MSG_SESSIONS_ENDED_TEXT[] = "ほかの端末でのログインは、すべて終了しました。";
/* register.c */
const char MSG_EMAIL_HINT[] = "確認のメールを、このアドレスに送ります。";
const char MSG_PASSWORD_HINT[] = "8文字以上。長い文や、ほかの所で使っていないものがおすすめです。";
const char MSG_SENT_TEXT[] =
    "入力したメールアドレスに、利用者登録を完了するためのメールを送りました。メールに書かれたリンクを24時間以内に開いてください。";
const char MSG_SENT_HINT[] = "メールが届かない場合は、迷惑メールのフォルダーもご確認ください。";
const char MSG_CONFIRMED_TEXT[] = "登録したメールアドレスとパスワードで、ログインできます。";
const char MSG_NOT_CONFIRMED_HINT[] =
    "登録がまだ済んでいない場合は、確認メールをもう一度送ってください。";
const char MSG_MAIL_VERIFY[] =
    "%s %s の利用者登録を受け付けました。\n\n"
    "次のリンクを開いて、登録を完了してください（24時間有効です）。\n%s\n\n"
    "お心当たりのない場合は、このメールを破棄してください。登録は完了しません。\n";
const char MSG_MAIL_EXISTS[] = "%s %s で、このメールアドレスの利用者登録の申込みがありました。\n"
                               "このメールアドレスは、すでに登録されています。\n\n"
                               "パスワードを忘れた場合は、次のページから設定し直せます。\n%s\n\n"
                               "お心当たりのない場合は、このメールを破棄してください。\n";
/* settings.c */
const char MSG_MAIL_EMAIL[] =
    "%s %s のメールアドレスの変更を受け付けました。\n\n"
    "次のリンクを開くと、このメールアドレスへの変更が完了します（24時間有効です）。\n%s\n\n"
    "お心当たりのない場合は、このメールを破棄してください。\n";
const char MSG_PASSWORD_CHANGED[] =
    "パスワードを変更しました。ほかの端末でのログインは、すべて終了しました。";
const char MSG_EMAIL_SENT[] =
    "新しいメールアドレスに確認のメールを送りました。メールのリンクを開くと変更が完了します。";
const char MSG_EMAIL_TAKEN[] = "このメールアドレスは、ほかのアカウントで使われています。";
const char MSG_WRONG_CURRENT[] = "今のパスワードが正しくありません。";
const char MSG_NO_CURRENT[] = "今のパスワードを入力してください。";
const char MSG_CANNOT_PROCESS[] = "ただいま処理できません";

/* administration, alerts and re-entry (staff_admin.c, staff_alerts.c, staff_reauth.c) */
const char MSG_STAFF_ADMIN_ONLY_TITLE[] = "この画面は管理者だけが使えます";
const char MSG_STAFF_ADMIN_ONLY[] =
    "職員と担当の管理、監査ログの表示は、管理者だけができます。必要なときは管理者に頼んでください。";
const char MSG_STAFF_ADMIN_BAD_TITLE[] = "入力を読み取れませんでした";
const char MSG_STAFF_ADMIN_BAD[] =
    "氏名（200バイトまで）、メールアドレス、手続、担当の指定のいずれかが正しくありません。何も変更していません。職員の管理の画面に戻って、入力し直してください。";
const char MSG_STAFF_ADMIN_TAKEN_TITLE[] = "このメールアドレスの職員は登録済みです";
const char MSG_STAFF_ADMIN_TAKEN[] =
    "同じメールアドレスの職員が、すでに登録されています。何も変更していません。";
const char MSG_STAFF_ADMIN_ENROLLED_TITLE[] = "この職員は登録を済ませています";
const char MSG_STAFF_ADMIN_ENROLLED[] =
    "この職員は、すでに登録を済ませています。登録用のリンクは出せません。";
const char MSG_STAFF_ADMIN_NAME_HINT[] = "例：窓口 花子";
const char MSG_STAFF_ADMIN_LINK_LEAD[] =
    "登録用のリンクを、この職員のメールアドレスに送りました。リンクは24時間有効で、1回だけ使えます。メールが届かないときは、次のリンクを直接伝えてください。";
const char MSG_STAFF_AUDIT_BAD[] =
    "職員の番号、受付番号（「2026-000123」の形）、ページの指定が正しくありません。監査ログの画面に戻って、選び直してください。";
const char MSG_STAFF_REAUTH_LEAD[] =
    "大切な操作の前に、本人であることをもう一度確かめます。認証アプリに、いま表示されている確認コードを入力してください。";
const char MSG_STAFF_REAUTH_WRONG[] =
    "確認コードが正しくないか、すでに使われたコードです。認証アプリに次に表示される6桁の数字を入力してください。";
const char MSG_STAFF_ALERTS_LEAD[] =
    "担当の手続に新しい申請が届いたときのメールを、手続ごとに選べます。メールには受付番号と手続の名前だけが書かれ、申請の内容は書かれません。";
const char MSG_STAFF_ALERTS_BAD[] =
    "通知の選び方を読み取れませんでした。何も変更していません。通知の設定の画面に戻って、選び直してください。";
/* exports (staff_export.c) */
const char MSG_EXPORT_LEAD[] =
    "担当の手続の申請を、到達日の範囲を決めてCSVファイルに書き出します。書き出すたびに監査ログに記録されます。書き出しの前に、認証アプリの確認コードをもう一度入力していただくことがあります。";
const char MSG_EXPORT_BAD_TITLE[] = "書き出しの条件を確認してください";
const char MSG_EXPORT_BAD[] =
    "手続・到達日の範囲・文字コードを読み取れませんでした。到達日は開始日から終了日の順に、日付で入力してください。";
const char MSG_EXPORT_TOO_MANY[] =
    "書き出す申請が多すぎます。到達日の範囲を狭めて、何回かに分けて書き出してください。";
const char MSG_EXPORT_NO_ROLE[] = "この手続の申請を書き出す権限がありません。";
const char MSG_EXPORT_LOSS_LEAD[] =
    "次の文字はShift_JIS（CP932）で表せません。そのまま書き出すと失われるため、まだ書き出していません。下の表を確かめて、書き出し方を選んでください。";
/* evidence package (staff_zip.c) */
const char MSG_ZIP_TOO_BIG[] =
    "添付ファイルが大きすぎるため、証拠一式をZIPにまとめられませんでした。添付ファイルは申請の画面から一つずつ保存してください。";
/* the dashboard (staff_dashboard.c) */
const char MSG_DASH_TITLE[] = "集計";
const char MSG_DASH_CHART_TITLE[] = "：日ごとの到達件数";
const char MSG_DASH_BAD_TITLE[] = "表示する期間を確かめてください";
const char MSG_DASH_BAD[] = "集計の期間は、30日間か90日間から選んでください。";
const char MSG_DASH_FORBIDDEN_TITLE[] = "この手続の集計を見る権限がありません";
const char MSG_DASH_FORBIDDEN[] =
    "この手続の担当ではないため、集計を表示できません。担当の手続は、職員の管理を行う管理者が設定します。";
/* the PDF of an application (staff_pdf.c, mypage_pdf.c) */
const char MSG_PDF_HIKAE[] = "申請控え";
const char MSG_PDF_STAFF[] = "申請書（職員用）";
const char MSG_PDF_EVIDENCE[] = "電子署名の検証";
const char MSG_PDF_SIGNATURE[] = "電子署名";
const char MSG_PDF_UNSIGNED[] = "この申請には電子署名がありません。";
const char MSG_PDF_SIGNER[] = "署名者の";
const char MSG_PDF_RESULT[] = "到達時の検証結果";
const char MSG_PDF_VERIFIED_AT[] = "検証日時";
const char MSG_PDF_ISSUER[] = "証明書の発行者";
const char MSG_PDF_SERIAL[] = "証明書のシリアル番号";
const char MSG_PDF_VALIDITY[] = "証明書の有効期間";
const char MSG_PDF_REVOCATION[] = "失効の確認";
const char MSG_PDF_DIGEST[] = "署名された内容のSHA-256";
const char MSG_PDF_REVERIFIED[] = "再検証";
const char MSG_PDF_NO_NOTES[] = "内部メモはありません。";
const char *const MSG_AUDIT_ACTIONS[][2] = {
    {"staff_login", "ログイン"},
    {"staff_login_failed", "ログインの失敗"},
    {"staff_logout", "ログアウト"},
    {"staff_change", "職員・担当の変更"},
    {"view_application", "申請の閲覧"},
    {"view_attachment", "添付ファイルの閲覧"},
    {"decision", "処理（状態の変更）"},
    {"note", "メモの追加"},
    {"export", "書き出し"},
    {"reverify", "署名の再検証"},
    {"view_audit", "監査ログの閲覧"},
    {NULL, NULL},
};
/* form.c: a client address past anon_sessions_peer_hour */
const char MSG_ANON_THROTTLED_TITLE[] = "しばらくお待ちください";
const char MSG_ANON_THROTTLED[] =
    "この端末からの入力が続いたため、しばらく受け付けられません。1時間ほどしてから、もう一度お試しください。入力した内容は保存されていません。";
/* staff_login.c, staff_enrol.c */
const char MSG_STAFF_LOGIN_ERROR[] =
    "メールアドレス、パスワード、確認コードのいずれかが正しくありません。";
const char MSG_STAFF_CODE_HINT[] =
    "認証アプリに表示されている6桁の数字。認証アプリを使えないときは、回復コード（例：abcde-fghij）を入力します。";
const char MSG_STAFF_BAD_FILTER_TITLE[] = "一覧の条件を読み取れませんでした";
const char MSG_STAFF_BAD_FILTER[] =
    "手続・状態・受付番号（「2026-000123」の形）・到達日・違い・担当者・氏名・件数のどれかの指定が正しくありません。到達日は、始めの日を終わりの日より前にします。職員の画面に戻って、選び直してください。";
const char MSG_STAFF_APP_NOT_FOUND_TITLE[] = "申請が見つかりません";
const char MSG_STAFF_APP_NOT_FOUND[] =
    "その受付番号の申請はありません。受付番号を確かめてください。";
const char MSG_STAFF_PROC_FORBIDDEN_TITLE[] = "この手続の申請を見る権限がありません";
const char MSG_STAFF_PROC_FORBIDDEN[] =
    "この手続の担当ではないため、申請の一覧を表示できません。担当の手続は、職員の管理を行う管理者が設定します。";
const char MSG_STAFF_FORBIDDEN_TITLE[] = "この申請を見る権限がありません";
const char MSG_STAFF_FORBIDDEN[] =
    "この申請の手続の担当（閲覧または審査）になっていません。担当の割り当ては管理者に頼んでください。";
const char MSG_STAFF_B4_NONE[] = "（証明書に記載なし）";
const char MSG_STAFF_B4_SIDE_BY_SIDE[] =
    "カードの証明書の基本4情報と申請内容を並べて表示しています。違いがある項目には「証明書と申請内容が異なります」と書いてあります。違いは確かめるための事実で、それだけで申請を却下する理由にはなりません。";
/* inbox filters and evidence (staff_inbox.c, staff_evidence.c, staff_assign.c) */
const char MSG_STAFF_DIFFERS_YES[] = "違いあり";
const char MSG_STAFF_DIFFERS_NO[] = "違いなし";
const char MSG_STAFF_DIFFERS_UNKNOWN[] = "未判定";
const char MSG_STAFF_ASSIGNEE_NONE[] = "担当者なし";
const char MSG_STAFF_ASSIGNEE_ME[] = "自分";
const char MSG_STAFF_ASSIGNEE_OTHER[] = "ほかの職員";
const char MSG_STAFF_CMP_DIFFERENT[] = "証明書と申請内容が異なります";
const char MSG_STAFF_CMP_SAME[] = "証明書と申請内容は同じです";
const char MSG_STAFF_CMP_MISSING[] = "比べられません（どちらかに記載がありません）";
const char MSG_STAFF_NOT_ANSWERED[] = "（申請内容になし）";
/* the signature time-stamp at arrival (staff_evidence.c, staff_pdf.c) */
const char MSG_STAFF_TIMESTAMP[] = "タイムスタンプ";
const char MSG_STAFF_TIMESTAMP_PENDING[] =
    "まだ取得していません。時刻認証局から受け取るまで、自動で問い合わせ直します。";
const char MSG_STAFF_TIMESTAMP_FAILED[] =
    "取得できませんでした。時刻認証局が応答しなかったか、応答の内容が正しくありませんでした。";
const char MSG_STAFF_REVERIFY_FAILED[] =
    "いま電子署名を再検証できませんでした。しばらくしてから、もう一度お試しください。到達時の検証結果は変わっていません。";
const char MSG_STAFF_NOT_REVIEWER_TITLE[] = "この操作をする権限がありません";
const char MSG_STAFF_NOT_REVIEWER[] =
    "この手続の担当は閲覧だけです。担当者の変更は、審査の担当の職員が行います。";
const char MSG_STAFF_FILE_NOT_FOUND[] = "ファイルが見つかりません";
const char MSG_STAFF_BAD_ACTION_TITLE[] = "この操作はできません";
const char MSG_STAFF_BAD_ACTION[] =
    "送られた操作を読み取れませんでした。申請の画面に戻って、ボタンからもう一度お試しください。";
const char MSG_STAFF_NOT_SIGNED[] = "この申請には電子署名がないため、再検証するものがありません。";
const char MSG_STAFF_ENROL_BAD_LINK[] =
    "登録用のリンクの有効期限（24時間）が切れたか、すでに使われています。管理者に新しいリンクを頼んでください。";
const char MSG_STAFF_BAD_LINK_TITLE[] = "登録用のリンクが使えません";
const char MSG_STAFF_QR_LABEL[] = "認証アプリに読み取らせる二次元コード（QRコード）";
const char MSG_STAFF_PW_MISMATCH[] = "確認のため、同じパスワードをもう一度入力してください。";
const char MSG_STAFF_ENROL_CODE_HINT[] =
    "認証アプリに登録したあと、アプリに表示されている6桁の数字を入力してください。";
const char MSG_STAFF_CODE_WRONG[] =
    "確認コードが正しくありません。認証アプリに、いま表示されている6桁の数字を入力してください。";
const char MSG_STAFF_RECOVERY_LEAD[] =
    "認証アプリを使えなくなったときに、確認コードの代わりに使う回復コードです。それぞれ1回だけ使えます。この画面を閉じると二度と表示されません。印刷するか書き写して、安全な場所にしまってください。";
/* staff decisions and notes (staff_decide.c) */
const char MSG_DECIDE_VIEWER_ONLY[] =
    "この手続では閲覧の担当のため、申請を見ることだけができます。決定は審査の担当が行います。";
const char MSG_DECIDE_NO_CHOICE[] = "この状態の申請には、これ以上の決定はありません。";
const char MSG_DECIDE_DONE[] = "決定を記録しました。";
const char MSG_DECIDE_NOTE_DONE[] = "内部メモを残しました。";
const char MSG_DECIDE_BAD_TITLE[] = "この決定は受け付けられません";
const char MSG_DECIDE_BAD[] =
    "いまの状態からは選べない決定か、決定が選ばれていません。申請のページを開き直して、選び直してください。";
const char MSG_DECIDE_BAD_TEXT[] =
    "入力された文章が長すぎるか（1000バイトまで）、使えない文字が含まれています。何も変更していません。";
const char MSG_DECIDE_NEEDS_TEXT_TITLE[] = "理由またはメッセージを入力してください";
const char MSG_DECIDE_NEEDS_REASON[] =
    "申請を却下するときは、その理由を入力してください。理由は申請者に示されます（行政手続法第8条）。何も変更していません。";
const char MSG_DECIDE_NEEDS_MESSAGE[] =
    "申請を差し戻すときは、申請者へのメッセージ（直してほしいところ）を入力してください。何も変更していません。";
const char MSG_DECIDE_CONFLICT_TITLE[] = "この申請は、ほかの職員によって変更されています";
const char MSG_DECIDE_CONFLICT[] =
    "この申請は、画面を開いたあとに、ほかの職員によって変更されています。あなたの決定は記録していません。申請のページを開き直して、いまの状態を確かめてください。";
const char MSG_DECIDE_FORBIDDEN_TITLE[] = "この申請を決定する権限がありません";
const char MSG_DECIDE_FORBIDDEN[] =
    "決定できるのは、この手続の審査の担当だけです。何も変更していません。";
const char MSG_DECIDE_NOT_APPLIED[] =
    "記録できませんでした。何も変更していません。しばらくしてから、もう一度お試しください。";
const char MSG_NOTE_BAD_TITLE[] = "内部メモを残せません";
const char MSG_NOTE_BAD[] =
    "メモが空か、長すぎるか（1000バイトまで）、使えない文字が含まれています。何も記録していません。";
const char MSG_TL_APPLICANT[] = "申請者";
const char MSG_TL_NOTE[] = "内部メモ";
const char MSG_TL_MAIL[] = "申請者にメールを送りました";
const char MSG_TL_VIEW[] = "申請を開きました";
const char MSG_TL_DECISION[] = "決定を記録しました";
const char MSG_TL_ATTACHMENT[] = "添付ファイルを開きました";
const char MSG_TL_EXPORT[] = "書き出しました";
const char MSG_TL_REVERIFY[] = "署名を再検証しました";
const char MSG_MYPAGE_REASON[] = "申請を却下した理由";
const char MSG_MYPAGE_MESSAGE[] = "市からのメッセージ";
/* bulk decisions (staff_bulk.c) */
const char MSG_BULK_LEAD[] =
    "受付番号と新しい状態を並べたCSVファイルで、多くの申請の状態をまとめて変えられます。まず確認の画面で、変わる申請とメールが送られる相手を確かめてから適用します。";
const char MSG_BULK_BAD_TITLE[] = "一括決定の内容を読み取れません";
const char MSG_BULK_NONE[] =
    "申請が選ばれていないか、新しい状態が選ばれていません。一覧で申請と状態を選び直してください。";
const char MSG_BULK_NO_FILE[] = "CSVファイルを選んでください。";
const char MSG_BULK_CSV_ENCODING[] =
    "ファイルの文字コードを読み取れません。UTF-8またはShift_JISで保存したCSVファイルを選んでください。";
const char MSG_BULK_CSV_SYNTAX[] = "行目の「\"」（引用符）の使い方が正しくありません。";
const char MSG_BULK_CSV_CELLS[] = "行目が2列（受付番号と状態）になっていません。";
const char MSG_BULK_CSV_RECEIPT[] =
    "行目の1列目が受付番号（「2026-000123」の形）になっていません。";
const char MSG_BULK_CSV_STATUS[] = "行目の2列目が状態の名前になっていません。";
const char MSG_BULK_CSV_TWICE[] = "行目の受付番号は、それより上の行にもあります。";
const char MSG_BULK_CSV_TOO_MANY[] =
    "一度に変えられるのは500件までです。ファイルを分けてください。";
const char MSG_BULK_CSV_EMPTY[] = "ファイルに受付番号の行がありません。";
const char MSG_BULK_NOTHING_KEPT[] = "何も変更していません。";
const char MSG_BULK_BAD_STEPS[] =
    "確認の画面の内容を読み取れません。何も変更していません。一括決定をはじめからやり直してください。";
const char MSG_BULK_WOULD[] = "変更します";
const char MSG_BULK_NOT_FOUND[] = "この受付番号の申請はありません";
const char MSG_BULK_NO_ROLE[] = "この手続の審査の担当ではないため、変更できません";
const char MSG_BULK_NOT_ALLOWED[] = "いまの状態からは、この状態に変えられません";
const char MSG_BULK_NEEDS_TEXT[] =
    "理由やメッセージが必要な変更のため、申請のページで1件ずつ行ってください";
const char MSG_BULK_NO_MAIL[] = "送りません（アカウントのない申請）";
const char MSG_BULK_DONE[] = "変更しました";
const char MSG_BULK_DONE_MAILED[] = "変更しました。申請者にメールで知らせます";
const char MSG_BULK_CONFLICT[] =
    "確認の画面を開いたあとに、ほかの職員が変更していたため、変更していません";
const char MSG_BULK_FAIL[] = "記録できなかったため、変更していません";
const char MSG_ZIP_MANY_BAD_TITLE[] = "証拠一式をまとめられません";
const char MSG_ZIP_MANY_BAD[] =
    "申請が選ばれていないか、一度に選んだ申請が多すぎます（50件まで）。一覧で選び直してください。";
/* the back-office API (api_v1.c): the "message" of an error, beside its code */
const char MSG_API_UNAUTHORIZED[] = "APIキーがないか、正しくないか、失効しています。";
const char MSG_API_FORBIDDEN[] = "このAPIキーでは、この手続の申請を扱えません。";
const char MSG_API_READ_ONLY[] = "このAPIキーは読み取り専用のため、状態を変えられません。";
const char MSG_API_NOT_FOUND[] = "この受付番号の申請はありません。";
const char MSG_API_BAD_REQUEST[] = "要求の形式が正しくありません。";
const char MSG_API_NOT_ALLOWED[] = "いまの状態からは、この状態に変えられません。";
const char MSG_API_TEXT_REQUIRED[] =
    "申請却下には理由が、差し戻しには申請者へのメッセージ（text）が必要です。";
const char MSG_API_CONFLICT[] =
    "seen_event のあとに申請が変更されています。申請を読み直してから、もう一度送ってください。";
const char MSG_API_UNAVAILABLE[] =
    "一時的に処理できません。何も変更していません。しばらくしてから、もう一度お試しください。";
/* the back-office API's keys (staff_api_keys.c) */
const char MSG_API_KEYS_LEAD[] =
    "基幹システムなどが申請を読み取るためのAPIキーです。キーごとに扱える手続と、読み取りだけか状態の変更もできるかを決めます。キーによる呼び出しは、すべて監査ログに残ります。";
const char MSG_API_KEY_SHOWN_ONCE[] =
    "このキーは、この画面でだけ表示します。この画面を閉じると二度と表示できません。基幹システムの設定に写してください。";
const char MSG_API_KEY_BAD[] =
    "名前（100バイトまで）、範囲、手続（1つ以上）を確かめてください。何も作っていません。";
const char MSG_API_KEY_GONE[] = "このAPIキーはないか、すでに失効しています。";
