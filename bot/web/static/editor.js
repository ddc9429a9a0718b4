// The reply editor's snippets: choosing one appends its text to its language's box and
// fires the box's input event, so htmx asks the server for the preview as for typing.
// The text is the option's value, which the server rendered (autoescaped) from the KB's
// snippet templates. A file, not inline: the CSP allows scripts from the desk only.
(function () {
  "use strict";
  var pickers = document.querySelectorAll("select.snippet[data-for]");
  Array.prototype.forEach.call(pickers, function (picker) {
    picker.addEventListener("change", function () {
      var box = document.getElementById(picker.dataset.for);
      if (!box || !picker.value) {
        return;
      }
      var text = box.value.replace(/\s+$/, "");
      box.value = (text ? text + " " : "") + picker.value;
      picker.value = "";
      box.dispatchEvent(new Event("input", { bubbles: true }));
      box.focus();
    });
  });
})();
