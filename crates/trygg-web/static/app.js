// Trygg: progressive enhancement only. Every page works without this file; it adds
// conveniences on top. It is loaded as an external file (`<script src=… defer>`)
// because the CSP forbids inline scripts and inline event handlers.
'use strict';

(function () {
  // Confirmation before destructive actions:
  //   <form method="post" action="…" data-confirm="Ta bort enheten?">
  //   <button name="action" value="delete" data-confirm="Ta bort?">…</button>
  // A data-confirm on the pressed button wins over one on the form. Without
  // JavaScript the form simply submits, so the server must still be safe to call
  // (it checks permissions and CSRF as always).
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var submitter = event.submitter;
    var question =
      (submitter && submitter.getAttribute('data-confirm')) || form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // Buttons that print the page: <button type="button" data-print>Skriv ut</button>.
  // Rendered with the `hidden` attribute and revealed here, so that users without
  // JavaScript never see a button that does nothing.
  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      window.print();
    });
  });
})();
