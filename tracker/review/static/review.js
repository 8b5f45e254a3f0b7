// Keyboard shortcuts of the review page, and nothing else: every action is a plain link or
// form without them. An element with data-key="x" is what the key x does: a form is
// submitted, a link followed, a <details> opened with its first field focused, a field focused.
"use strict";
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) {
    return;
  }
  var target = event.target;
  var tag = target && target.tagName;
  if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) {
    if (event.key === "Escape") {
      target.blur();
    }
    return; // typing a reason or a correction: letters are letters
  }
  if (!/^[a-z]$/.test(event.key)) {
    return;
  }
  var element = document.querySelector('[data-key="' + event.key + '"]');
  if (!element) {
    return;
  }
  event.preventDefault();
  if (element.tagName === "FORM") {
    if (element.requestSubmit) {
      element.requestSubmit();
    } else {
      element.submit();
    }
  } else if (element.tagName === "A") {
    window.location.assign(element.href);
  } else if (element.tagName === "DETAILS") {
    element.open = true;
    var first = element.querySelector("input:not([type=hidden]), select, textarea");
    if (first) {
      first.focus();
    }
  } else {
    element.focus();
  }
});
