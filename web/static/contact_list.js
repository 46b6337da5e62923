// Address list: a checkbox in the table head that selects or clears every row of the page.
// Without JavaScript it stays hidden and each row is selected on its own.
(function () {
  'use strict';
  var all = document.getElementById('cl-select-page');
  if (!all) return;
  var rows = Array.prototype.slice.call(document.querySelectorAll('input.cl-select'));
  function sync() {
    var checked = rows.filter(function (box) { return box.checked; }).length;
    all.checked = checked > 0 && checked === rows.length;
    all.indeterminate = checked > 0 && checked < rows.length;
  }
  all.hidden = false;
  all.addEventListener('change', function () {
    rows.forEach(function (box) { box.checked = all.checked; });
  });
  rows.forEach(function (box) { box.addEventListener('change', sync); });
  sync();
})();
