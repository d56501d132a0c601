/* verdict report pages: filtering the sample list by status, flag and task.
 * The page reads fully without this script (every sample is listed and
 * opens on a click); the script only shows the filter bar and hides rows.
 * It reads the page's own data-* attributes and sets `hidden`, `checked`
 * and textContent: it never writes markup. */
(function () {
	'use strict';
	var bar = document.getElementById('filters');
	var list = document.getElementById('sample-list');
	if (!bar || !list)
		return;
	var rows = Array.prototype.slice.call(list.querySelectorAll('details.sample'));
	var boxes = Array.prototype.slice.call(bar.querySelectorAll('input[type=checkbox][data-status]'));
	var flag = document.getElementById('flag-filter');
	var task = document.getElementById('task-filter');
	var shown = document.getElementById('shown-count');

	function apply() {
		var on = new Set();
		boxes.forEach(function (b) {
			if (b.checked)
				on.add(b.getAttribute('data-status'));
		});
		var f = flag ? flag.value : '';
		var q = task ? task.value.trim().toLowerCase() : '';
		var n = 0;
		rows.forEach(function (r) {
			var flags = (r.getAttribute('data-flags') || '').split(' ');
			var ok = on.has(r.getAttribute('data-status') || '') &&
				(f === '' || flags.indexOf(f) >= 0) &&
				(q === '' || (r.getAttribute('data-task') || '').toLowerCase().indexOf(q) >= 0);
			r.hidden = !ok;
			if (ok)
				n++;
		});
		if (shown)
			shown.textContent = String(n);
	}

	function only(status) {
		boxes.forEach(function (b) {
			b.checked = status === null || b.getAttribute('data-status') === status;
		});
		if (flag)
			flag.value = '';
		if (task)
			task.value = '';
		apply();
	}

	bar.addEventListener('change', apply);
	bar.addEventListener('input', apply);
	bar.addEventListener('click', function (e) {
		var t = e.target;
		if (t && t.getAttribute && t.getAttribute('data-all') !== null)
			only(null);
		else if (t && t.getAttribute && t.getAttribute('data-none') !== null) {
			boxes.forEach(function (b) { b.checked = false; });
			apply();
		}
	});
	/* A status in a legend or a table shows only that status. */
	document.addEventListener('click', function (e) {
		var a = e.target && e.target.closest ? e.target.closest('a[data-only-status]') : null;
		if (a)
			only(a.getAttribute('data-only-status'));
	});
	/* A link to one sample (#s-12) opens it. */
	function openTarget() {
		var id = decodeURIComponent(location.hash.slice(1));
		var el = id ? document.getElementById(id) : null;
		if (el && el.tagName === 'DETAILS') {
			el.hidden = false;
			el.open = true;
		}
	}
	window.addEventListener('hashchange', openTarget);
	bar.hidden = false;
	apply();
	openTarget();
})();
