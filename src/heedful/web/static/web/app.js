/* Heedful agent workspace: keyboard shortcuts, inbox selection and ticket-to-ticket
   navigation. Every page works without this file; it only makes work faster. */
(function () {
  "use strict";

  var INBOX_KEY = "heedful.inbox";

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function toast(text) {
    var box = $("#toast");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { box.hidden = true; }, 2200);
  }

  function isTyping(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  /* The inbox remembers its rows so that j/k on a ticket page walk the same list. */
  function rememberInbox() {
    var table = $("#inbox-table");
    if (!table) return;
    var refs = $all("tr[data-ticket-ref]", table).map(function (row) { return row.getAttribute("data-ticket-ref"); });
    try {
      sessionStorage.setItem(INBOX_KEY, JSON.stringify({
        url: table.getAttribute("data-inbox-url") || location.pathname + location.search,
        next: table.getAttribute("data-next-url") || "",
        refs: refs
      }));
    } catch (e) { /* storage full or disabled: shortcuts simply do nothing */ }
  }

  function storedInbox() {
    try {
      var data = JSON.parse(sessionStorage.getItem(INBOX_KEY) || "null");
      return data && Array.isArray(data.refs) ? data : null;
    } catch (e) { return null; }
  }

  function ticketUrl(ref) { return "/tickets/" + encodeURIComponent(ref) + "/"; }

  function step(offset) {
    var ref = document.body.getAttribute("data-ticket-ref");
    var inbox = storedInbox();
    if (!ref || !inbox) { toast("Open a ticket from an inbox to move between tickets"); return; }
    var at = inbox.refs.indexOf(ref);
    if (at < 0) { toast("This ticket is not in the inbox you came from"); return; }
    var target = inbox.refs[at + offset];
    if (target) { location.href = ticketUrl(target); return; }
    if (offset > 0 && inbox.next) { location.href = inbox.next; return; }
    toast(offset > 0 ? "Last ticket of this list" : "First ticket of this list");
  }

  function setUpTicketNavigation() {
    var ref = document.body.getAttribute("data-ticket-ref");
    var inbox = storedInbox();
    if (!ref || !inbox) return;
    var at = inbox.refs.indexOf(ref);
    if (at < 0) return;
    var back = $("#back-to-inbox");
    if (back && inbox.url) back.href = inbox.url;
    var position = $("#ticket-position");
    if (position) position.textContent = (at + 1) + " of " + inbox.refs.length;
    $all("[data-nav]").forEach(function (link) {
      var offset = parseInt(link.getAttribute("data-nav"), 10);
      var target = inbox.refs[at + offset];
      if (!target && !(offset > 0 && inbox.next)) return;
      link.href = target ? ticketUrl(target) : inbox.next;
      link.hidden = false;
    });
  }

  /* Inbox: select rows for a bulk change. */
  function setUpBulk() {
    var form = $("#bulk-form");
    if (!form) return;
    var boxes = $all("input[name=tickets]");
    var all = $("#select-all");
    var count = $("#bulk-count");
    var submit = $("#bulk-submit");
    function refresh() {
      var chosen = boxes.filter(function (box) { return box.checked; });
      boxes.forEach(function (box) { box.closest("tr").classList.toggle("selected", box.checked); });
      form.classList.toggle("active", chosen.length > 0);
      if (submit) submit.disabled = chosen.length === 0;
      if (count) count.textContent = chosen.length ? chosen.length + " selected" : "Select tickets to change them together";
      if (all) {
        all.checked = chosen.length > 0 && chosen.length === boxes.length;
        all.indeterminate = chosen.length > 0 && chosen.length < boxes.length;
      }
    }
    boxes.forEach(function (box) { box.addEventListener("change", refresh); });
    if (all) all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      refresh();
    });
    refresh();
  }

  /* Filter selects apply as soon as they change. */
  function setUpFilters() {
    $all("form[data-autosubmit] select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  function showHelp(show) {
    var help = $("#shortcuts-help");
    if (help) help.hidden = !show;
  }

  function focusBox(selector) {
    var box = $(selector);
    if (!box) return false;
    box.scrollIntoView({ block: "center" });
    box.focus();
    return true;
  }

  function onKey(event) {
    if (event.key === "Escape") {
      showHelp(false);
      if (isTyping(event.target)) event.target.blur();
      return;
    }
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && event.target.tagName === "TEXTAREA") {
      var form = event.target.form;
      if (form) { event.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.submit(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    var handled = true;
    switch (event.key) {
      case "/": handled = focusBox("#global-search"); break;
      case "?": showHelp($("#shortcuts-help").hidden); break;
      case "r": handled = focusBox("#reply-body"); if (!handled && $("#note-body")) toast("Light agents reply with internal notes (n)"); break;
      case "n": handled = focusBox("#note-body"); break;
      case "j": case "]": handled = !!document.body.getAttribute("data-ticket-ref"); if (handled) step(1); break;
      case "k": case "[": handled = !!document.body.getAttribute("data-ticket-ref"); if (handled) step(-1); break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  }

  function setUpOverlay() {
    $all("[data-show-shortcuts]").forEach(function (button) {
      button.addEventListener("click", function () { showHelp(true); });
    });
    $all("[data-close-overlay]").forEach(function (button) {
      button.addEventListener("click", function () { showHelp(false); });
    });
    var help = $("#shortcuts-help");
    if (help) help.addEventListener("click", function (event) { if (event.target === help) showHelp(false); });
  }

  /* Close the user menu when clicking elsewhere. */
  function setUpMenus() {
    document.addEventListener("click", function (event) {
      $all("details.user-menu[open]").forEach(function (menu) {
        if (!menu.contains(event.target)) menu.removeAttribute("open");
      });
    });
  }

  document.addEventListener("keydown", onKey);
  document.addEventListener("DOMContentLoaded", function () {
    rememberInbox();
    setUpTicketNavigation();
    setUpBulk();
    setUpFilters();
    setUpOverlay();
    setUpMenus();
  });
})();
