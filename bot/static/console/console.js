// Community Connect console: starts the NHS.UK components, then keeps live parts fresh.
// Every page works without this file; it only swaps in a new copy of a table or conversation
// (drawn by the server from the same template) every few seconds, and updates the header counts.
import { initAll } from "/static/nhsuk/nhsuk-frontend.min.js";

initAll();

const EVERY_MS = 3000;

function updateCounts(header) {
  if (!header) return;
  const [fresh, urgent] = header.split(" ").map(Number);
  const newCount = document.querySelector('[data-count="new"]');
  const urgentCount = document.querySelector('[data-count="urgent"]');
  if (newCount) newCount.textContent = `${fresh} new`;
  if (urgentCount) {
    urgentCount.textContent = `${urgent} urgent`;
    urgentCount.hidden = urgent === 0;
  }
}

function announce(text) {
  const status = document.getElementById("live-status");
  if (status) status.textContent = text;
}

async function refresh(region) {
  const target = document.getElementById(region.dataset.liveTarget);
  // Never replace what someone is typing into or has focused inside the region.
  if (!target || region.contains(document.activeElement) && document.activeElement !== document.body) return;
  try {
    const response = await fetch(region.dataset.live, { headers: { Accept: "text/html" }, cache: "no-store" });
    if (response.redirected || !response.ok) return;
    updateCounts(response.headers.get("X-Queue-Counts"));
    const html = await response.text();
    const next = new DOMParser().parseFromString(html, "text/html").getElementById(target.id);
    if (!next || next.innerHTML === target.innerHTML) return;
    const before = Number(target.dataset.liveCount || 0);
    const after = Number(next.dataset.liveCount || 0);
    const urgentBefore = Number(target.dataset.liveUrgent || 0);
    const urgentAfter = Number(next.dataset.liveUrgent || 0);
    target.replaceWith(next);
    if (urgentAfter > urgentBefore) announce("An urgent handoff has arrived.");
    else if (after > before) announce(target.id === "thread" ? "A new message has arrived." : "A new handoff has arrived.");
  } catch (error) {
    // Offline for a moment: try again next time.
  }
}

for (const region of document.querySelectorAll("[data-live]")) {
  setInterval(() => refresh(region), EVERY_MS);
}
