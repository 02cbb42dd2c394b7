// The host's half of the frame protocol: size the frame to the height it
// reports, show the asset it opened, send it filters and a theme. Messages
// from any other origin than the app's are ignored.
const frame = document.getElementById('frame');
const appOrigin = new URL(frame.src).origin;
window.frameMessages = [];
addEventListener('message', (e) => {
  if (e.origin !== appOrigin || e.source !== frame.contentWindow) return;
  const m = e.data;
  if (!m || typeof m !== 'object' || typeof m.type !== 'string') return;
  window.frameMessages.push(m);
  if (m.type === 'immich-grid:height' && Number.isFinite(m.height)) {
    frame.style.height = `${Math.max(100, Math.min(m.height, 4000))}px`;
  } else if (m.type === 'immich-grid:open' && typeof m.id === 'string') {
    document.getElementById('opened').textContent = m.id;
  }
});
const send = (m) => frame.contentWindow.postMessage(m, appOrigin);
document.getElementById('favourites').addEventListener('click', () =>
  send({ type: 'immich-grid:set', filters: { isFavorite: 'true' } }));
document.getElementById('dark').addEventListener('click', () =>
  send({ type: 'immich-grid:set', theme: 'dark' }));
