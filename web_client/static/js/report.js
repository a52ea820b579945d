// The report page: its other formats saved with this link's token, and printing.
import { h } from "./dom.js";

const { token } = JSON.parse(document.getElementById("consult-config").textContent);
const status = document.getElementById("status");

for (const button of document.querySelectorAll("[data-download]")) {
  button.addEventListener("click", async () => {
    const response = await fetch(button.dataset.download, { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) {
      status.textContent = `Not saved: the server answered ${response.status}`;
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const save = h("a", { href: url, download: button.dataset.name });
    document.body.append(save);
    save.click();
    save.remove();
    URL.revokeObjectURL(url);
    status.textContent = `Saved ${button.dataset.name}.`;
  });
}

document.getElementById("print-report").addEventListener("click", () => window.print());
