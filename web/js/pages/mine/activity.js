// The owners' activity on "My shares" (section#activity on /mine, GET /api/activity): the events
// of the person's own shares and requests, in the access log's table (js/ui/log-table.js, prefix
// "activity") with its paging and detail, and a small filter: the kind of action and the
// outcome. It starts beside the list of shares, without waiting for it; js/pages/mine/main.js
// sends a signed-out person to sign in.
//
// Hooks: form#activity-filter with select#activity-action ("", share., download., request.) and
// select#activity-outcome; button#activity-apply; the table's (js/ui/log-table.js): section#activity
// [data-state], tr[data-seq], button#activity-newer, #activity-older, section#activity-detail.
import { byId } from '../../lib/dom.js';
import { createLogTable } from '../../ui/log-table.js';
import { fillOutcomeSelect } from '../../ui/log-words.js';

/** Fills the filter and loads the newest events. */
export function startActivity() {
  const form = byId('activity-filter', HTMLFormElement);
  const actionSelect = byId('activity-action', HTMLSelectElement);
  const outcomeSelect = byId('activity-outcome', HTMLSelectElement);
  const table = createLogTable({ prefix: 'activity', path: '/api/activity', noun: 'events' });

  const filters = () => {
    const params = new URLSearchParams();
    if (actionSelect.value) params.set('action', actionSelect.value);
    if (outcomeSelect.value) params.set('outcome', outcomeSelect.value);
    return params;
  };
  fillOutcomeSelect(outcomeSelect);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    table.load(filters());
  });
  table.load(filters());
}
