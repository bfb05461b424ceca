import { logQuery, retentionRun, usageQuery } from '../../../schemas/reports';
import { exportLogsCsv, listLogs } from '../../services/logs';
import { runRetention } from '../../services/retention';
import { getUsage } from '../../services/usage';
import { csvResponse } from '../csv';
import { endpoint } from '../endpoint';
import { logPageView, retentionResultView, usageReportView } from '../views';

// The services parse the raw query themselves (the UI calls them too); the specs' schemas
// are the same ones, for the early 400 and the OpenAPI document.
const rawQuery = (url: URL) => Object.fromEntries(url.searchParams);

export const listLogsEndpoint = endpoint({
	method: 'GET',
	path: '/api/logs',
	summary: "The request log, newest first (users: their own calls); format=csv downloads every matching row",
	tag: 'Reports',
	access: 'authenticated',
	query: logQuery,
	response: logPageView,
	csv: true,
	handle: async ({ svc, actor, query, event }) =>
		query.format === 'csv'
			? csvResponse('request-logs.csv', exportLogsCsv(svc, actor, rawQuery(event.url)))
			: listLogs(svc, actor, rawQuery(event.url))
});

export const getUsageEndpoint = endpoint({
	method: 'GET',
	path: '/api/usage',
	summary: 'Usage totals per UTC day, model, channel, user or key (users: their own, without channels)',
	tag: 'Reports',
	access: 'authenticated',
	query: usageQuery,
	response: usageReportView,
	handle: ({ svc, actor, event }) => getUsage(svc, actor, rawQuery(event.url))
});

export const runRetentionEndpoint = endpoint({
	method: 'POST',
	path: '/api/logs/retention/run',
	summary: 'Delete request log rows older than logs.retention_days now (daily usage totals stay)',
	tag: 'Reports',
	access: 'admin',
	body: retentionRun,
	response: retentionResultView,
	handle: ({ svc, actor, body }) => runRetention(svc, actor, body)
});
