// Referral sheet: the print button (no inline script: the CSP allows only our own files).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("afdrukken");
  if (button) button.addEventListener("click", function () { window.print(); });
});
