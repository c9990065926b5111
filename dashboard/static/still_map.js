(function () {
  // A visitor who follows a link to another page of the app before the press must get that page:
  // a press sent after such a click can still carry this page's id and bring them back here.
  const path = location.pathname;
  let left = false;
  const onClick = (e) => {
    const a = e.target.closest && e.target.closest('a[href]');
    if (a && a.target !== '_blank' && a.origin === location.origin && a.pathname !== path) left = true;
  };
  document.addEventListener('click', onClick, true);
  const stay = () => !left && location.pathname === path;
  (function press(tries) {
    const img = document.querySelector('.map-preview img');
    const button = document.querySelector('.st-key-x_charts button');
    if (!stay() || tries >= 600) {
      document.removeEventListener('click', onClick, true);
    } else if (img && img.complete && button && !button.closest('[data-stale="true"]')) {
      requestAnimationFrame(() => requestAnimationFrame(() => {  // after the picture is painted
        if (stay() && button.isConnected) button.click();
        document.removeEventListener('click', onClick, true);
      }));
    } else {
      setTimeout(() => press(tries + 1), 50);
    }
  })(0);
})();
