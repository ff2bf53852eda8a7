// What the templates ask for with data- attributes, instead of inline event handlers, which
// the Content-Security-Policy refuses (settings.CONTENT_SECURITY_POLICY).

// <form data-confirm="Supprimer ce brouillon ?">: asks before submitting.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// <select data-autosubmit>: submits its form when changed (a filter without a button).
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]") && event.target.form) {
    event.target.form.requestSubmit();
  }
});
