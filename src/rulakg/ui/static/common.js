/* Every page: suggestions for the search box from /api/search (a datalist; Enter or the button opens /search). */
(function () {
  "use strict";
  var input = document.getElementById("site-search");
  var list = document.getElementById("site-search-suggestions");
  if (!input || !list) { return; }
  var timer = null, last = "", urls = {};
  input.addEventListener("input", function () {
    var q = input.value.trim();
    if (urls[input.value]) { window.location.href = urls[input.value]; return; }
    clearTimeout(timer);
    if (q.length < 2 || q === last) { return; }
    timer = setTimeout(function () {
      last = q;
      fetch(input.dataset.suggest + "?limit=8&q=" + encodeURIComponent(q)).then(function (r) { return r.json(); }).then(function (data) {
        list.textContent = "";
        urls = {};
        data.results.forEach(function (hit) {
          if (!hit.url || !hit.label) { return; }
          var o = document.createElement("option");
          o.value = hit.label;
          o.label = hit.type_label || "";
          urls[hit.label] = hit.url;
          list.appendChild(o);
        });
      }).catch(function () {});
    }, 150);
  });
})();
