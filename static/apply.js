/* apply.js: small helps on the application pages; every page works without it.
 * - 「申請する」 asks 「申請します。よろしいですか？」 in a dialog (without JavaScript the
 *   portal shows the same question on a page of its own);
 * - a form is sent once: its buttons are disabled after the first submit;
 * - a postal code fills the address field after it (a button next to the code);
 * - the confirmation page turns to 「電子署名済み」 by itself when the signature arrives. */
(function () {
  'use strict';

  function onSubmitOnce(form) {
    form.addEventListener('submit', function (e) {
      if (form.dataset.sent === '1') {
        e.preventDefault();
        return;
      }
      var msg = form.getAttribute('data-confirm');
      if (msg) {
        if (!window.confirm(msg)) {
          e.preventDefault();
          return;
        }
        var c = document.createElement('input');
        c.type = 'hidden';
        c.name = 'confirmed';
        c.value = '1';
        form.appendChild(c);
      }
      form.dataset.sent = '1';
    });
  }

  function postal(input) {
    var target = document.getElementById(input.getAttribute('data-address-target'));
    if (!target) return;
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'button button-secondary button-small';
    button.textContent = '郵便番号から住所を入力';
    var status = document.createElement('p');
    status.className = 'hint';
    status.setAttribute('role', 'status');
    status.id = input.id + '-lookup';
    input.parentNode.appendChild(button);
    input.parentNode.parentNode.appendChild(status);
    button.addEventListener('click', function () {
      var code = input.value.replace(/[０-９]/g, function (d) {
        return String.fromCharCode(d.charCodeAt(0) - 0xFEE0);
      }).replace(/[^0-9]/g, '');
      if (code.length !== 7) {
        status.textContent = '郵便番号は7桁の数字で入力してください。';
        return;
      }
      status.textContent = '住所を調べています…';
      fetch('/api/postal/' + code, { credentials: 'same-origin' })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
        .then(function (res) {
          if (!res.ok) {
            status.textContent = res.j.error || '住所が見つかりませんでした。';
            return;
          }
          target.value = res.j.prefecture + res.j.city + res.j.town;
          status.textContent = '住所を入力しました。番地や建物の名前を続けて入力してください。';
          target.focus();
        })
        .catch(function () {
          status.textContent = '住所を調べられませんでした。住所を入力してください。';
        });
    });
  }

  /* The signature arrived: the block turns to 「電子署名済み」 in place (as the page renders
   * it signed: templates/apply_confirm.html) and 「申請する」 can be pressed, without reloading
   * the page, so that nothing moves under the reader and it happens at once. */
  function showSigned(el) {
    var block = el.closest('.signature-block');
    var state = document.createElement('p');
    var strong = document.createElement('strong');
    var button = document.getElementById('submit-button');
    var why = document.getElementById('submit-why');
    if (!block) { window.location.reload(); return; }
    strong.textContent = '電子署名済み';
    state.className = 'signature-state signature-done';
    state.setAttribute('data-state', 'signed');
    state.setAttribute('role', 'status');
    state.appendChild(strong);
    Array.prototype.slice.call(block.children).forEach(function (c) {
      if (c.tagName !== 'H2') block.removeChild(c);
    });
    block.appendChild(state);
    if (button) { button.disabled = false; button.removeAttribute('aria-describedby'); }
    if (why) why.parentNode.removeChild(why);
  }

  /* the confirmation page while the person signs in the app: shown signed at once. Each
   * question is a long poll (wait=1) that the portal holds until the signature arrives or
   * about 20 s pass; the next follows at once. When the portal answers at once (too many
   * waiting, holding off) or fails, the next question waits 2 s, as a plain poll. */
  function poll(el) {
    var url = el.getAttribute('data-poll') + '&wait=1';
    var until = Date.now() + 60000 * (parseInt(el.getAttribute('data-minutes'), 10) || 10);
    function ask() {
      if (Date.now() > until) return; /* the request expired: the page says to open it again */
      var asked = Date.now();
      fetch(url, { credentials: 'same-origin', cache: 'no-store' })
        .then(function (r) { return r.status === 404 ? null : r.json(); })
        .then(function (j) {
          if (!j) return;
          if (j.signed) {
            showSigned(el);
            return;
          }
          /* a hold that lasted: ask again at once; else after the plain poll's pause */
          setTimeout(ask, j.held && Date.now() - asked > 1000 ? 0 : 2000);
        })
        .catch(function () { setTimeout(ask, 2000); });
    }
    ask();
  }

  document.addEventListener('DOMContentLoaded', function () {
    Array.prototype.forEach.call(document.querySelectorAll('[data-poll]'), poll);
    var forms = document.querySelectorAll('form.submit-form, form.apply-form');
    Array.prototype.forEach.call(forms, onSubmitOnce);
    /* back to a page kept in the browser's cache: its forms may be sent again */
    window.addEventListener('pageshow', function () {
      Array.prototype.forEach.call(forms, function (f) { f.dataset.sent = '0'; });
    });
    Array.prototype.forEach.call(document.querySelectorAll('input[data-address-target]'), postal);
  });
})();
