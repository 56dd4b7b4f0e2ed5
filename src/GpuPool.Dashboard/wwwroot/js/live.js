// Live regions: every element with data-live="Handler" is re-rendered from the page's handler about
// twice a second without a reload. The query string (filters) is kept; a signed-out session goes to sign-in.
(function () {
    'use strict';
    const interval = 500;

    function liveUrl(handler) {
        const url = new URL(window.location.href);
        url.searchParams.set('handler', handler);
        return url.toString();
    }

    async function refresh(region) {
        try {
            const response = await fetch(liveUrl(region.dataset.live), { credentials: 'same-origin', cache: 'no-store' });
            if (response.redirected || response.status === 401) {
                window.location.assign('/Login');
                return;
            }
            if (!response.ok) {
                return;
            }
            const html = await response.text();
            if (html !== region.dataset.last) {
                region.innerHTML = html;
                region.dataset.last = html;
            }
        } catch (e) {
            // The dashboard itself is unreachable: keep what is shown and try again.
        } finally {
            window.setTimeout(() => refresh(region), interval);
        }
    }

    document.addEventListener('DOMContentLoaded', () => {
        document.querySelectorAll('[data-live]').forEach((region) => window.setTimeout(() => refresh(region), interval));
    });
})();
