// The report page: its other formats saved with this link's token, and printing.
import { saveFromServer } from "./dom.js";

const { token } = JSON.parse(document.getElementById("consult-config").textContent);
const status = document.getElementById("status");

for (const button of document.querySelectorAll("[data-download]")) {
  button.addEventListener("click", async () => {
    const failed = await saveFromServer(button.dataset.download, token, button.dataset.name);
    status.textContent = failed ? `Not saved: ${failed}` : `Saved ${button.dataset.name}.`;
  });
}

document.getElementById("print-report").addEventListener("click", () => window.print());
