// The owners' activity on "My shares" (section#activity on /mine, GET /api/activity): the events
// of the person's own shares and requests, in the access log's table (js/log-table.js, prefix
// "activity") with its paging and detail, and a small filter: the kind of action and the
// outcome. It starts on its own beside js/mine.js, which sends a signed-out person to sign in.
//
// Hooks: form#activity-filter with select#activity-action ("", share., download., request.) and
// select#activity-outcome; button#activity-apply; the table's (js/log-table.js): section#activity
// [data-state], tr[data-seq], button#activity-newer, #activity-older, section#activity-detail.
import { byId } from './dom.js';
import { createLogTable } from './log-table.js';
import { fillOutcomeSelect } from './log-words.js';

const form = byId('activity-filter', HTMLFormElement);
const actionSelect = byId('activity-action', HTMLSelectElement);
const outcomeSelect = byId('activity-outcome', HTMLSelectElement);

const table = createLogTable({ prefix: 'activity', path: '/api/activity', noun: 'events' });

fillOutcomeSelect(outcomeSelect);
form.addEventListener('submit', (event) => {
  event.preventDefault();
  table.load(filters());
});
table.load(filters());

function filters() {
  const params = new URLSearchParams();
  if (actionSelect.value) params.set('action', actionSelect.value);
  if (outcomeSelect.value) params.set('outcome', outcomeSelect.value);
  return params;
}
