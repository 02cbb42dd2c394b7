// Logs every immich-grid event of the page (kept in window.hostEvents too).
window.hostEvents = [];
for (const name of ['ready', 'loaded', 'open', 'error']) {
  document.addEventListener(`immich-grid:${name}`, (e) => {
    const entry = { widget: e.target.id, type: name, detail: { ...e.detail } };
    window.hostEvents.push(entry);
    const li = document.createElement('li');
    li.textContent = `${entry.widget}: ${name} ${JSON.stringify(entry.detail)}`;
    document.getElementById('log')?.append(li);
  });
}
