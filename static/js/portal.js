// Copy-to-clipboard buttons: <button data-copy="#element-id">.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var source = document.querySelector(button.getAttribute("data-copy"));
  if (!source) return;
  var text = source.textContent.trim();
  var done = function () {
    var label = button.textContent;
    button.textContent = button.getAttribute("data-copied") || "Copied";
    setTimeout(function () { button.textContent = label; }, 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done);
  } else {
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    document.execCommand("copy");
    done();
  }
});

// Costly or destructive forms ask first: <form data-confirm="Are you sure?">, or on the submit button
// that needs it (<button data-confirm="…">). With data-confirm-count="ids" the message's {count} becomes
// the number of ticked checkboxes named "ids" in the form (data-confirm-one is used when exactly one is);
// with none ticked there is nothing to confirm and the server explains.
function confirmMessage(form, submitter) {
  var source = submitter && submitter.hasAttribute && submitter.hasAttribute("data-confirm") ? submitter : form;
  var message = source && source.getAttribute && source.getAttribute("data-confirm");
  if (!message) return null;
  var countOf = source.getAttribute("data-confirm-count");
  if (countOf) {
    var count = form.querySelectorAll('input[type=checkbox][name="' + countOf + '"]:checked').length;
    if (count === 0) return null;
    if (count === 1 && source.getAttribute("data-confirm-one")) message = source.getAttribute("data-confirm-one");
    message = message.replace("{count}", String(count));
  }
  return message;
}

// Plain forms (htmx has already taken over the forms it submits, and asks through htmx:confirm below).
document.addEventListener("submit", function (event) {
  if (event.defaultPrevented) return;
  var message = confirmMessage(event.target, event.submitter);
  if (message && !window.confirm(message)) event.preventDefault();
});

document.addEventListener("htmx:confirm", function (event) {
  var form = event.detail.elt;
  if (!form || form.tagName !== "FORM") return;
  var trigger = event.detail.triggeringEvent;
  var message = confirmMessage(form, trigger && trigger.submitter);
  if (!message) return;
  event.preventDefault();
  if (window.confirm(message)) event.detail.issueRequest(true);
});

// <input type="checkbox" data-check-all="ids"> ticks or clears every "ids" checkbox of its form.
document.addEventListener("change", function (event) {
  var all = event.target.closest && event.target.closest("[data-check-all]");
  if (!all || !all.form) return;
  var name = all.getAttribute("data-check-all");
  all.form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
    box.checked = all.checked;
  });
});

// Filter forms that refresh as you type and also on "change" (<form data-skip-repeat>) see both events for
// one edit (a select fires input and change; leaving a text field fires change). A query identical to the
// one just sent is not sent again: it would only replace the results under the pointer, and the button
// being clicked in them. Pressing Enter (submit) always searches.
document.addEventListener("htmx:configRequest", function (event) {
  var form = event.detail.elt;
  if (!form.hasAttribute || !form.hasAttribute("data-skip-repeat") || event.detail.verb !== "get") return;
  var query = new URLSearchParams(event.detail.formData).toString();
  var trigger = event.detail.triggeringEvent;
  if (!(trigger && trigger.type === "submit") && form.getAttribute("data-last-query") === query) {
    event.preventDefault();
    return;
  }
  form.setAttribute("data-last-query", query);
});

// A field that belongs to one choice of a radio group ticks that choice when it is used:
// <select data-ticks="input[name=route][value=trunk]"> (the selector is looked up in the field's form).
function tickOwnChoice(event) {
  var field = event.target.closest && event.target.closest("[data-ticks]");
  if (!field || !field.form) return;
  var choice = field.form.querySelector(field.getAttribute("data-ticks"));
  if (choice) choice.checked = true;
}
document.addEventListener("input", tickOwnChoice);
document.addEventListener("change", tickOwnChoice);

// Upload forms (<form data-upload>) show how much of the file has been sent: htmx reports the request's
// progress on the form (htmx:xhr:progress), and the form's <progress class="upload-progress"> follows it.
document.addEventListener("htmx:xhr:progress", function (event) {
  var form = event.target.closest && event.target.closest("form[data-upload]");
  if (!form || !event.detail.lengthComputable || !event.detail.total) return;
  var bar = form.querySelector("progress.upload-progress");
  if (!bar) return;
  bar.hidden = false;
  bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  bar.setAttribute("data-progress", String(bar.value));
});

// On narrow screens the sidebar is a drawer: the Menu button ([data-nav-toggle]) opens and closes it; the
// backdrop and the close button ([data-nav-close]) and Escape close it, giving the focus back to the button.
(function () {
  function layout() { return document.querySelector("[data-layout]"); }
  function setOpen(open) {
    var shell = layout();
    if (!shell) return;
    shell.classList.toggle("nav-open", open);
    var button = document.querySelector("[data-nav-toggle]");
    if (button) button.setAttribute("aria-expanded", String(open));
    if (open) {
      var first = document.querySelector("#sidebar nav a");
      if (first) first.focus();
    } else if (button) {
      button.focus();
    }
  }
  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    if (event.target.closest("[data-nav-toggle]")) {
      var shell = layout();
      setOpen(!(shell && shell.classList.contains("nav-open")));
    } else if (event.target.closest("[data-nav-close]")) {
      setOpen(false);
    }
  });
  document.addEventListener("keydown", function (event) {
    var shell = layout();
    if (event.key === "Escape" && shell && shell.classList.contains("nav-open")) setOpen(false);
  });
})();

// The brand settings page previews what clients will see while the form is filled in: colours, name and
// logo, and a note when white text on a colour would be hard to read (WCAG contrast under 4.5:1; the
// server checks the same when saving).
(function () {
  function luminance(hex) {
    var channels = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }
  function hardToRead(hex) {
    return /^#[0-9a-fA-F]{6}$/.test(hex) && 1.05 / (luminance(hex) + 0.05) < 4.5;
  }
  function update(form, field) {
    var preview = document.querySelector("[data-brand-preview]");
    if (!preview) return;
    var kind = field.getAttribute("data-preview");
    if (kind === "name") {
      preview.querySelector("[data-preview-name]").textContent = field.value;
    } else if (kind === "logo") {
      var img = preview.querySelector("[data-preview-logo]");
      if (field.files && field.files[0]) { img.src = URL.createObjectURL(field.files[0]); img.hidden = false; }
    } else if (kind) {
      preview.style.setProperty(kind, field.value);
    }
    var warning = form.querySelector("[data-contrast-warning]");
    if (warning) {
      var colours = form.querySelectorAll("input[type=color]");
      warning.hidden = !Array.prototype.some.call(colours, function (c) { return hardToRead(c.value); });
    }
  }
  ["input", "change"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var form = event.target.closest && event.target.closest("[data-brand-form]");
      if (form && event.target.hasAttribute("data-preview")) update(form, event.target);
    });
  });
})();
