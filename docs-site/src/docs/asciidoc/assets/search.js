// Client-side search over search-index.json (built with the site). Every word typed must appear in
// a page; title matches rank first. Nothing is sent anywhere.
(function () {
  const script = document.currentScript;
  const root = script.dataset.siteRoot || '.';
  const input = document.getElementById('search-input');
  const results = document.getElementById('search-results');
  let index = null;

  function load() {
    if (!index) {
      index = fetch(root + '/search-index.json').then(r => r.json());
    }
    return index;
  }

  function snippet(text, word) {
    const at = text.toLowerCase().indexOf(word);
    const start = Math.max(0, at - 60);
    return (start > 0 ? '…' : '') + text.substring(start, at + 100) + '…';
  }

  function show(pages, words) {
    results.replaceChildren();
    for (const page of pages.slice(0, 12)) {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = root + '/' + page.path;
      link.textContent = page.title;
      const excerpt = document.createElement('p');
      excerpt.textContent = snippet(page.text, words[0]);
      item.append(link, excerpt);
      results.append(item);
    }
    if (pages.length === 0 && words.length > 0) {
      const item = document.createElement('li');
      item.textContent = 'No page mentions all of: ' + words.join(' ');
      results.append(item);
    }
  }

  input.addEventListener('focus', load);
  input.addEventListener('input', async () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(w => w.length > 1);
    if (words.length === 0) { results.replaceChildren(); return; }
    const pages = await load();
    const hits = pages
      .map(p => ({ page: p, hay: (p.title + ' ' + p.text).toLowerCase(), title: p.title.toLowerCase() }))
      .filter(p => words.every(w => p.hay.includes(w)))
      .sort((a, b) => (words.some(w => b.title.includes(w)) ? 1 : 0) - (words.some(w => a.title.includes(w)) ? 1 : 0))
      .map(p => p.page);
    show(hits, words);
  });
  input.addEventListener('keydown', e => { if (e.key === 'Escape') { input.value = ''; results.replaceChildren(); } });
})();
