/* msg: the message catalogue of madoguchi-sign, Japanese and English side by side. The
 * Japanese strings of the city's guide (docs/seed-journey.md steps 9-13) are kept verbatim. */
#include "signer/msg.h"

#include <stdarg.h>
#include <stdio.h>

#define M(id, ja, en) [id] = {#id, {ja, en}}

/* The strings are kept whole, one message per entry. */
/* clang-format off */
static const struct {
	const char *name;
	const char *text[2];
} CATALOGUE[MSG_COUNT] = {
    M(MSG_REQUEST_TITLE, "電子署名の依頼", "Request for an electronic signature"),
    M(MSG_REQUEST_SITE, "署名を求めているサイト: %s", "Site asking for your signature: %s"),
    M(MSG_REQUEST_FILE, "署名依頼のファイル: %s", "Signing request file: %s"),
    M(MSG_REQUEST_PORTAL, "サービス名（サイトの表示）: %s",
      "Service (as the site names itself): %s"),
    M(MSG_REQUEST_PROC, "手続: %s", "Procedure: %s"),
    M(MSG_REQUEST_LINES, "署名する申請内容:", "Application content you will sign:"),
    M(MSG_REQUEST_EXPIRY, "この依頼の有効期限: %s", "This request is valid until: %s"),

    M(MSG_START_TITLE, "電子署名を開始します", "Starting the electronic signature"),
    M(MSG_START_1, "1. マイナンバーカードが必要です。", "1. You need your My Number Card."),
    M(MSG_START_2, "2. 署名用電子証明書が必要です。",
      "2. You need the signing certificate on the card."),
    M(MSG_START_3, "3. 英数字6文字以上16文字以下の署名用電子証明書のパスワードが必要です。",
      "3. You need the password of the signing certificate: 6 to 16 letters and digits."),

    M(MSG_PW_TITLE, "署名用電子証明書用のパスワード", "Password of the signing certificate"),
    M(MSG_PW_LENGTH, "(6桁～16桁)", "(6 to 16 characters)"),
    M(MSG_PW_NOTE_UPPER, "※ 署名用電子証明書の英字は大文字で入力してください。",
      "* Enter the letters of the password in upper case."),
    M(MSG_PW_NOTE_LOCK, "※ パスワードの入力を5回間違えると、ロックがかかります。",
      "* Five wrong entries lock the password."),
    M(MSG_PW_NOTE_COUNTER,
      "※ ロックがかかった場合や電子証明書の有効期限が切れている場合は、本庁 "
      "住民窓口センターもしくは出先機関の窓口へお越しください。",
      "* If the password is locked or the certificate has expired, please come to the "
      "Residents' Service Center at City Hall or to the counter of a branch office."),
    M(MSG_PW_PROMPT, "パスワード（入力後 Enter で「次へ」）: ",
      "Password (press Enter for \"Next\"): "),
    M(MSG_PW_BAD_LENGTH, "パスワードは6文字以上16文字以下です。",
      "The password has 6 to 16 characters."),
    M(MSG_PW_BAD_CHARS, "パスワードに使える文字は英字（A～Z）と数字（0～9）だけです。",
      "The password has only letters (A-Z) and digits (0-9)."),
    M(MSG_PW_NOT_SENT, "（カードには送っていないので、残り回数は減っていません）",
      "(Nothing was sent to the card: no try was used.)"),

    M(MSG_HOLD_CARD, "マイナンバーカードをかざしてください", "Hold your My Number Card to the reader"),
    M(MSG_HOLD_CARD_HINT,
      "カードリーダーにカードを置くか差し込んで、署名が終わるまで動かさないでください（%d秒待ちます）。",
      "Put the card on or into the card reader and keep it there until the signature is done "
      "(waiting %d seconds)."),
    M(MSG_WAIT_READER, "カードリーダーが見つかりません。カードリーダーをつないでください。",
      "No card reader found. Please connect a card reader."),
    M(MSG_NOT_JPKI_CARD,
      "このカードはマイナンバーカードとして読み取れませんでした。マイナンバーカードをかざしてください。",
      "This card could not be read as a My Number Card. Please hold your My Number Card to the "
      "reader."),
    M(MSG_CARD_BUSY, "カードがほかのプログラムに使われています。しばらく待ってから、もう一度かざしてください。",
      "Another program is using the card. Wait a moment, then hold the card to the reader "
      "again."),

    M(MSG_PROG_FETCH, "署名依頼を受け取っています…", "Fetching the signing request..."),
    M(MSG_PROG_TRIES, "カードを確認しています…", "Checking the card..."),
    M(MSG_PROG_VERIFY, "パスワードを確認しています…", "Checking the password..."),
    M(MSG_PROG_CERT, "署名用電子証明書を読み取っています…",
      "Reading the signing certificate..."),
    M(MSG_PROG_SIGN, "署名しています。カードを動かさないでください…",
      "Signing. Do not move the card..."),
    M(MSG_PROG_SAVED, "署名をファイルに保存しました: %s", "Signature saved to: %s"),
    M(MSG_PROG_CONTENT_SAVED, "署名した内容をファイルに保存しました: %s",
      "Signed content saved to: %s"),
    M(MSG_PROG_POST, "署名をポータルに送っています…", "Sending the signature to the portal..."),
    M(MSG_FEW_TRIES,
      "ご注意ください: パスワードの残り回数はあと%d回です。すべて間違えるとロックがかかります。",
      "Careful: %d tries left for the password. When they are used up the password is locked."),
    M(MSG_CONFIRM_CONTINUE, "続けますか？ (y: 続ける / n: やめる) ", "Continue? (y: yes / n: no) "),
    M(MSG_CONFIRM_RETRY, "もう一度試しますか？ (y: 試す / n: やめる) ",
      "Try again? (y: yes / n: no) "),

    M(MSG_DONE_TITLE, "電子署名が完了しました。", "The electronic signature is complete."),
    M(MSG_DONE_SIGNED, "申請内容に署名", "Application content signed"),
    M(MSG_DONE_BACK, "ブラウザに戻って、申請を続けてください。",
      "Go back to your browser to continue your application."),
    M(MSG_DONE_OFFLINE, "署名はファイルに保存しました（ポータルには送っていません）。",
      "The signature was saved to a file (it was not sent to a portal)."),
    M(MSG_CLOSE, "閉じる", "Close"),
    M(MSG_CLOSE_PROMPT, "[閉じる] Enter キーを押してください", "[Close] Press Enter"),

    M(MSG_E_NO_SERVICE,
      "カードを読み取るサービス（pcscd）が動いていません。パソコンの管理者に相談してください。",
      "The smart-card service (pcscd) is not running. Please ask the administrator of this "
      "computer."),
    M(MSG_E_NO_READER, "カードリーダーが見つかりません。カードリーダーをつないで、もう一度お試しください。",
      "No card reader found. Connect a card reader and try again."),
    M(MSG_E_NO_CARD,
      "マイナンバーカードを読み取れませんでした。かざす場所を確かめて、もう一度かざしてください。",
      "The My Number Card could not be read. Check where to hold it and hold it to the reader "
      "again."),
    M(MSG_E_REMOVED,
      "読み取りの途中でカードが離れました。署名はできていません。署名が終わるまでカードを動かさずに、もう一度かざしてください。",
      "The card was moved away before the end. Nothing was signed. Hold the card to the reader "
      "again and keep it there until the signature is done."),
    M(MSG_E_NOT_JPKI,
      "このカードからは署名用電子証明書を読み取れません。マイナンバーカードをかざしてください。",
      "No signing certificate can be read from this card. Please use your My Number Card."),
    M(MSG_E_CARD, "カードとのやりとりでエラーが起きました（%s）。もう一度お試しください。",
      "The card gave an error (%s). Please try again."),
    M(MSG_E_WRONG_PW, "パスワードが間違っています。残り%d回です。",
      "The password is wrong. %d tries left."),
    M(MSG_E_LOCKED,
      "署名用電子証明書のパスワードにロックがかかっています。パスワードはカードに送っていません。本庁 "
      "住民窓口センターもしくは出先機関の窓口へお越しください。",
      "The password of the signing certificate is locked. The password was not sent to the "
      "card. Please come to the Residents' Service Center at City Hall or to the counter of a "
      "branch office."),
    M(MSG_E_LOCKED_NOW,
      "パスワードを5回間違えたため、ロックがかかりました。本庁 "
      "住民窓口センターもしくは出先機関の窓口へお越しください。",
      "The password was wrong five times and is now locked. Please come to the Residents' "
      "Service Center at City Hall or to the counter of a branch office."),
    M(MSG_E_CERT_EXPIRED,
      "署名用電子証明書の有効期限が切れています（%s まで）。署名はしていません。本庁 "
      "住民窓口センターもしくは出先機関の窓口へお越しください。",
      "The signing certificate has expired (valid until %s). Nothing was signed. Please come "
      "to the Residents' Service Center at City Hall or to the counter of a branch office."),
    M(MSG_E_CERT_NOT_YET,
      "署名用電子証明書の有効期間がまだ始まっていません（%s から）。署名はしていません。パソコンの時計も確かめてください。",
      "The signing certificate is not valid yet (valid from %s). Nothing was signed. Please "
      "also check the clock of this computer."),
    M(MSG_E_CERT_BAD, "カードの署名用電子証明書を読み取れませんでした。",
      "The signing certificate on the card could not be read."),
    M(MSG_E_LINK, "このリンクは開けません（%s）。", "This link cannot be opened (%s)."),
    M(MSG_E_LINK_INSECURE,
      "暗号化されていない接続（http://）のリンクは開けません。",
      "Links over an unencrypted connection (http://) cannot be opened."),
    M(MSG_E_NOT_ALLOWED, "このサイト（%s）は署名を依頼してよいポータルとして登録されていないため、署名しません。",
      "This site (%s) is not one of the portals allowed to ask for signatures: nothing will be "
      "signed."),
    M(MSG_E_REQUEST, "ポータルから受け取った署名依頼が正しくありません（%s）。署名しません。",
      "The signing request from the portal is not valid (%s). Nothing will be signed."),
    M(MSG_E_DIGEST,
      "署名依頼の内容がダイジェストと一致しません。改ざんのおそれがあるため署名しません。",
      "The content of the signing request does not match its digest. It may have been "
      "tampered with: nothing will be signed."),
    M(MSG_E_NOT_FOUND,
      "署名依頼が見つかりません。ブラウザの確認画面から、もう一度やり直してください。",
      "The signing request was not found. Please start again from the confirmation page in "
      "your browser."),
    M(MSG_E_EXPIRED,
      "署名依頼の有効期限が切れています。ブラウザの確認画面から、もう一度「スマートフォンで電子署名する」を選んでください。",
      "The signing request has expired. On the confirmation page in your browser, choose "
      "\"sign electronically\" again."),
    M(MSG_E_USED,
      "この署名依頼はすでに使われています。ブラウザの確認画面を確かめてください。",
      "This signing request has already been used. Please check the confirmation page in your "
      "browser."),
    M(MSG_E_NETWORK,
      "ポータルと通信できませんでした（%s）。通信環境を確かめて、もう一度お試しください。",
      "Could not reach the portal (%s). Check your connection and try again."),
    M(MSG_E_PORTAL_ANSWER, "ポータルから予期しない応答がありました（HTTP %ld）。",
      "The portal gave an unexpected answer (HTTP %ld)."),
    M(MSG_E_REFUSED, "ポータルが署名を受け付けませんでした。", "The portal refused the signature."),
    M(MSG_E_REFUSED_EXPIRED,
      "署名用電子証明書の有効期限が切れています。本庁 "
      "住民窓口センターもしくは出先機関の窓口へお越しください。",
      "The signing certificate has expired. Please come to the Residents' Service Center at "
      "City Hall or to the counter of a branch office."),
    M(MSG_E_REFUSED_REVOKED,
      "署名用電子証明書が失効しています（住所や氏名の変更などで失効します）。本庁 "
      "住民窓口センターもしくは出先機関の窓口へお越しください。",
      "The signing certificate has been revoked (a change of address or name revokes it). "
      "Please come to the Residents' Service Center at City Hall or to the counter of a "
      "branch office."),
    M(MSG_E_REFUSED_UNTRUSTED, "この電子証明書はポータルが信頼する発行元のものではありません。",
      "This certificate is not from an issuer the portal trusts."),
    M(MSG_E_REFUSED_BAD_SIGNATURE, "署名を確かめられませんでした。もう一度お試しください。",
      "The signature could not be verified. Please try again."),
    M(MSG_E_REFUSED_DIGEST,
      "署名した内容が、いまの申請内容と一致しません。ブラウザで確認画面を開き直して、もう一度署名してください。",
      "What was signed is not the current application content. Reopen the confirmation page "
      "in your browser and sign again."),
    M(MSG_E_REFUSED_NOT_SIGNING, "署名用電子証明書ではない証明書で署名されています。",
      "The signature was not made with a signing certificate."),
    M(MSG_E_PORTAL_SAYS, "ポータルからのお知らせ: %s", "Message from the portal: %s"),
    M(MSG_E_INTERNAL, "内部エラーが起きました（%s）。", "Internal error (%s)."),
    M(MSG_E_CANCELLED, "署名を中止しました。", "Signing cancelled."),
    M(MSG_E_WRITE, "ファイルに書き込めませんでした: %s", "Could not write the file: %s"),
    M(MSG_E_NEED_TTY,
      "パスワードを入力する端末がありません（自動処理では --password-fd を使ってください）。",
      "There is no terminal to type the password in (for automation, use --password-fd)."),
    M(MSG_E_PW_INPUT, "パスワードを読み取れませんでした。", "The password could not be read."),
    M(MSG_E_USAGE, "使い方が正しくありません: %s（--help で使い方を表示します）",
      "Wrong usage: %s (--help shows the usage)"),
    M(MSG_E_ALLOW_FILE, "許可するポータルの設定ファイル %s の %zu 行目が正しくありません。",
      "The allowed-portals file %s has an invalid line: %zu."),
    M(MSG_FAILED_TITLE, "電子署名できませんでした", "The electronic signature failed"),

    M(MSG_W_TITLE, "窓口 電子署名", "Madoguchi Sign"),
    M(MSG_W_STEP, "手順 %d/%d", "Step %d of %d"),
    M(MSG_W_LOADING, "署名の依頼を読み込んでいます…", "Loading the signing request…"),
    M(MSG_W_NEED, "必要なもの", "What you need"),
    M(MSG_W_LINE_LABEL, "項目", "Item"),
    M(MSG_W_LINE_VALUE, "内容", "Value"),
    M(MSG_W_PW_LABEL, "署名用電子証明書のパスワード", "Password of the signing certificate"),
    M(MSG_W_PW_SHOW, "入力したパスワードを表示する", "Show the password typed"),
    M(MSG_W_NEXT, "次へ", "Next"),
    M(MSG_W_CANCEL, "キャンセル", "Cancel"),
    M(MSG_W_YES, "はい", "Yes"),
    M(MSG_W_NO, "いいえ", "No"),
    M(MSG_W_Q_CONTINUE, "続けますか？", "Do you want to continue?"),
    M(MSG_W_Q_RETRY, "もう一度試しますか？", "Do you want to try again?"),
    M(MSG_W_PLACE_CARD, "マイナンバーカードをカードリーダーに置いてください",
      "Place your My Number Card on the card reader"),
    M(MSG_W_PLACE_HINT, "署名が終わるまで、カードを動かさないでください。",
      "Do not move the card until the signature is done."),
    M(MSG_W_LARGE, "文字を大きく", "Larger text"),
    M(MSG_W_CONTRAST, "白黒をはっきり（ハイコントラスト）", "High contrast"),
    M(MSG_W_BUSY, "いま、電子署名を進めています。終わってから、もう一度ブラウザのボタンを押してください。",
      "A signature is under way. When it is done, press the button in the browser again."),
    M(MSG_W_WHAT_HAPPENED, "起きたこと", "What happened"),
    M(MSG_W_WHAT_TO_DO, "どうすればよいか", "What to do"),
    M(MSG_W_DO_COUNTER,
      "本庁 住民窓口センターもしくは出先機関の窓口へ、マイナンバーカードをお持ちください。",
      "Please bring your My Number Card to the residents' counter of the city hall or a branch office."),
    M(MSG_W_DO_READER,
      "カードリーダーがパソコンにつながっているか確かめて、ブラウザの「電子署名する」ボタンをもう一度押してください。",
      "Check that the card reader is connected to the PC, then press the signing button in the browser again."),
    M(MSG_W_DO_CARD,
      "カードをカードリーダーに置いてから、ブラウザの「電子署名する」ボタンをもう一度押してください。",
      "Place the card on the reader, then press the signing button in the browser again."),
    M(MSG_W_DO_BROWSER,
      "ブラウザの確認画面に戻って、表示を確かめてください。必要なら、もう一度「電子署名する」ボタンを押してください。",
      "Go back to the confirmation page in the browser. If needed, press the signing button again."),
    M(MSG_W_DO_PASSWORD,
      "パスワードを確かめて、ブラウザの「電子署名する」ボタンをもう一度押してください。",
      "Check your password, then press the signing button in the browser again."),
    M(MSG_W_DO_CANCELLED,
      "申請はそのまま残っています。署名するときは、ブラウザの「電子署名する」ボタンをもう一度押してください。",
      "Your application is unchanged. To sign, press the signing button in the browser again."),
    M(MSG_W_DO_OTHER, "もう一度お試しください。続くときは、市役所へお問い合わせください。",
      "Please try again. If it keeps failing, contact the city hall."),
    M(MSG_HELP,
      "使い方: madoguchi-sign [オプション] リンク\n"
      "       madoguchi-sign [オプション] --request-file ファイル --out 署名ファイル\n"
      "ポータルの電子署名の依頼（リンク）を開き、申請内容をマイナンバーカードの署名用電子証明書で署名して、ポータルに送ります。\n"
      "\n"
      "リンク: madoguchi-sign://ホスト[:ポート]/sign/ID、または https://ホスト[:ポート]/api/sign/ID\n"
      "  （http:// は localhost、127.0.0.1、[::1] だけ: 開発用）\n"
      "\n"
      "オプション:\n"
      "  --lang ja|en          表示する言語（既定: ja）\n"
      "  --reader 名前         名前を含むカードリーダーだけを使う\n"
      "  --card-timeout 秒     カードを待つ時間（1～600、既定 60）\n"
      "  --password-fd N       パスワードをファイル記述子 N から読む（自動処理用。確認の質問はしない）\n"
      "  --allow ホスト[:ポート] 署名を依頼してよいポータル（くり返し可）。設定ファイル\n"
      "                        ~/.config/madoguchi-sign/allowed-portals（1行に1つ）とあわせて、\n"
      "                        一つでもあれば、ほかのポータルは断る\n"
      "  --request-file ファイル 署名依頼（ポータルの GET の応答と同じ JSON）をファイルから読む（オフライン署名、テスト）\n"
      "  --out ファイル        署名（CMS, DER）をファイルに書く\n"
      "  --content-out ファイル 署名した内容をファイルに書く\n"
      "  --cacert ファイル     ポータルの TLS 証明書を確かめる CA（既定: システムの CA）\n"
      "  --help                この説明\n"
      "\n"
      "終了コード:\n"
      "   0  署名した（ポータルに送った、またはファイルに書いた）\n"
      "   1  内部エラー（メモリ、OpenSSL、ファイルに書けない）\n"
      "   2  使い方の誤り（オプション、端末がない、許可リストのファイルが正しくない）\n"
      "   3  リンクを断った（形式、リモートへの http、許可リストにないポータル）\n"
      "   4  署名依頼が正しくない（JSON、項目、ダイジェストの不一致）\n"
      "   5  署名依頼が見つからない・有効期限切れ・使用済み\n"
      "   6  通信エラー、ポータルの予期しない応答\n"
      "   7  ポータルが署名を受け付けなかった\n"
      "   8  カードリーダーがない、pcscd が動いていない\n"
      "   9  時間内にカードがかざされなかった\n"
      "  10  途中でカードが離れた\n"
      "  11  パスワードの形式が正しくない（カードには送っていない）\n"
      "  12  パスワードが間違っている\n"
      "  13  パスワードにロックがかかっている\n"
      "  14  署名用電子証明書の有効期間外（期限切れ、開始前）\n"
      "  15  カードのエラー（マイナンバーカードでない、予期しない応答）\n"
      "  16  中止した\n",
      "Usage: madoguchi-sign [OPTIONS] LINK\n"
      "       madoguchi-sign [OPTIONS] --request-file FILE --out SIGFILE\n"
      "Opens a portal's signing request (LINK), signs the application content with the signing\n"
      "certificate of the My Number Card and sends the signature back to the portal.\n"
      "\n"
      "LINK: madoguchi-sign://HOST[:PORT]/sign/ID or https://HOST[:PORT]/api/sign/ID\n"
      "  (http:// only to localhost, 127.0.0.1 and [::1], for development)\n"
      "\n"
      "Options:\n"
      "  --lang ja|en          language of the screens (default ja)\n"
      "  --reader NAME         use only the card readers whose name contains NAME\n"
      "  --card-timeout SECS   how long to wait for the card (1-600, default 60)\n"
      "  --password-fd N       read the password from file descriptor N (automation; no\n"
      "                        questions are asked)\n"
      "  --allow HOST[:PORT]   a portal allowed to ask for signatures (repeatable); with the\n"
      "                        file ~/.config/madoguchi-sign/allowed-portals (one a line), when\n"
      "                        there is any, every other portal is refused\n"
      "  --request-file FILE   read the request (the JSON of the portal's GET) from FILE\n"
      "                        (offline signing, tests)\n"
      "  --out FILE            write the signature (CMS, DER) to FILE\n"
      "  --content-out FILE    write the signed content to FILE\n"
      "  --cacert FILE         CA certificates for the portal's TLS (default: the system's)\n"
      "  --help                this text\n"
      "\n"
      "Exit codes:\n"
      "   0  signed (sent to the portal, or written to the file)\n"
      "   1  internal error (memory, OpenSSL, a file that cannot be written)\n"
      "   2  wrong usage (options, no terminal, a broken allowed-portals file)\n"
      "   3  link refused (its form, http to a remote host, a portal not allowed)\n"
      "   4  invalid request (JSON, a field, digest mismatch)\n"
      "   5  request not found, expired or already used\n"
      "   6  network error, or an unexpected answer of the portal\n"
      "   7  the portal refused the signature\n"
      "   8  no card reader, or pcscd is not running\n"
      "   9  no card was held to the reader in time\n"
      "  10  the card was removed mid-way\n"
      "  11  malformed password (it was not sent to the card)\n"
      "  12  wrong password\n"
      "  13  password locked\n"
      "  14  signing certificate expired or not yet valid\n"
      "  15  card error (not a My Number Card, unexpected answer)\n"
      "  16  cancelled\n"),
};
/* clang-format on */

const char *msg_get(enum msg_lang lang, enum msg_id id)
{
	const char *s;

	if ((unsigned)id >= MSG_COUNT || (unsigned)lang > LANG_EN)
		return "";
	s = CATALOGUE[id].text[lang];
	return s ? s : "";
}

const char *msg_name(enum msg_id id)
{
	if ((unsigned)id >= MSG_COUNT || !CATALOGUE[id].name)
		return "";
	return CATALOGUE[id].name;
}

char *msg_fmt(char *out, size_t cap, enum msg_lang lang, enum msg_id id, ...)
{
	va_list ap;

	if (!out || cap == 0)
		return out;
	va_start(ap, id);
	vsnprintf(out, cap, msg_get(lang, id), ap);
	va_end(ap);
	return out;
}
