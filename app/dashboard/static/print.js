// Buttons marked data-print print the page (a script file: the page policy allows no inline handlers).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
