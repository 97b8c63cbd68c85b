/* flask-ninjaone: searchable multi-selects. Progressive enhancement over a plain <select multiple
   data-ninjaone-multiselect>: without this file the select works as it is (Ctrl/⌘-click to pick several).
   With it: a filter box above the list, a click toggles an option (no Ctrl needed), and the picked values
   are shown as removable chips below it. The <select> stays the form field, so what is posted is unchanged. */
(function () {
  "use strict";

  function enhance(select) {
    var wrapper = document.createElement("div");
    wrapper.className = "ninjaone-multiselect";
    var filter = document.createElement("input");
    filter.type = "search";
    filter.className = "ninjaone-multiselect__filter";
    filter.placeholder = "Type to filter…";
    filter.setAttribute("aria-label", "Filter " + (select.labels && select.labels[0] ? select.labels[0].textContent : "options"));
    filter.setAttribute("aria-controls", select.id);
    var chips = document.createElement("ul");
    chips.className = "ninjaone-multiselect__chips";
    chips.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(wrapper, select);
    wrapper.appendChild(filter);
    wrapper.appendChild(select);
    wrapper.appendChild(chips);

    function render() {
      chips.textContent = "";
      Array.prototype.forEach.call(select.selectedOptions, function (option) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "ninjaone-chip";
        button.textContent = option.textContent + " ×";
        button.setAttribute("aria-label", "Remove " + option.textContent);
        button.addEventListener("click", function () {
          option.selected = false;
          render();
        });
        item.appendChild(button);
        chips.appendChild(item);
      });
    }

    filter.addEventListener("input", function () {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(select.options, function (option) {
        var text = option.textContent.toLowerCase() + " " + option.value.toLowerCase();
        option.hidden = !words.every(function (word) { return text.indexOf(word) !== -1; });
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = Array.prototype.every.call(group.children, function (option) { return option.hidden; });
      });
    });
    // Enter in the filter picks the only visible option instead of submitting the form.
    filter.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();
      var visible = Array.prototype.filter.call(select.options, function (option) { return !option.hidden; });
      if (visible.length === 1) { visible[0].selected = true; filter.value = ""; filter.dispatchEvent(new Event("input")); render(); }
    });
    select.addEventListener("mousedown", function (event) {
      if (event.target.tagName !== "OPTION") { return; }
      event.preventDefault();
      event.target.selected = !event.target.selected;
      select.focus();
      render();
    });
    select.addEventListener("change", render);
    render();
  }

  document.querySelectorAll("select[multiple][data-ninjaone-multiselect]").forEach(enhance);
})();
