import * as z from 'zod';
import { optionDefinitions, type OptionKey } from '../options/definitions';

// The shapes the management API answers with, for the OpenAPI document (timestamps are
// z.date() here and rendered as ISO 8601 strings).

const when = z.date().nullable();

export const pageOf = <T extends z.ZodType>(item: T, id: string) =>
	z
		.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), perPage: z.number().int() })
		.meta({ id });

export const channelView = z
	.object({
		id: z.number().int(),
		type: z.string(),
		name: z.string(),
		baseUrl: z.string(),
		models: z.array(z.string()),
		modelMapping: z.record(z.string(), z.string()),
		groups: z.array(z.string()),
		tags: z.array(z.string()),
		priority: z.number().int(),
		weight: z.number().int(),
		status: z.enum(['enabled', 'disabled']),
		disableKind: z.enum(['manual', 'automatic']).nullable(),
		disableReason: z.string().nullable(),
		disabledAt: when,
		config: z.record(z.string(), z.unknown()),
		usedQuota: z.number().int(),
		requestCount: z.number().int(),
		lastTestAt: when,
		lastTestLatencyMs: z.number().int().nullable(),
		lastTestOk: z.boolean().nullable(),
		lastTestError: z.string().nullable(),
		balanceAmount: z.string().nullable().meta({ description: "The provider account's balance as last checked (a decimal), in `balanceCurrency`." }),
		balanceCurrency: z.string().nullable(),
		balanceCheckedAt: when,
		balanceError: z.string().nullable().meta({ description: 'Why the last balance check failed; null after a successful one.' }),
		keys: z.array(
			z.object({
				id: z.number().int(),
				hint: z.string().meta({ description: 'The secret, masked; sending it back unchanged keeps the stored secret.' }),
				enabled: z.boolean(),
				disableKind: z.enum(['manual', 'automatic']).nullable(),
				disableReason: z.string().nullable(),
				disabledAt: when
			})
		),
		health: z
			.object({
				breaker: z.enum(['closed', 'open', 'half-open']),
				consecutiveFailures: z.number().int(),
				openUntil: when,
				coolingUntil: when
			})
			.nullable()
			.meta({ description: 'Circuit breaker and rate-limit cool-down as the answering instance sees them (they are kept per instance).' }),
		createdAt: z.date(),
		updatedAt: z.date()
	})
	.meta({ id: 'Channel' });

export const channelTestResult = z
	.object({
		ok: z.boolean(),
		model: z.string(),
		latencyMs: z.number().int(),
		status: z.number().int().meta({ description: "The upstream's HTTP status; 0 when it did not answer." }),
		error: z.string().nullable()
	})
	.meta({ id: 'ChannelTestResult' });

export const upstreamModels = z
	.object({
		ok: z.boolean(),
		models: z.array(z.string()).meta({ description: 'Sorted, without repeats.' }),
		status: z.number().int().meta({ description: "The upstream's HTTP status when it refused; 0 when it did not answer or was not asked." }),
		error: z.string().nullable()
	})
	.meta({ id: 'UpstreamModels' });

const providerBalance = z.object({ amount: z.string().meta({ description: 'A decimal, as exact as the provider gave it.' }), currency: z.string() });

export const channelBalanceCheck = z
	.object({
		ok: z.boolean(),
		available: z.boolean().meta({ description: 'Whether the provider publishes a balance API at all (OpenAI, for one, does not).' }),
		balance: providerBalance.nullable(),
		checkedAt: when,
		error: z.string().nullable()
	})
	.meta({ id: 'ChannelBalanceCheck' });

export const channelBatchResult = z
	.object({
		results: z.array(
			z.object({
				id: z.number().int(),
				name: z.string().nullable(),
				ok: z.boolean(),
				error: z.string().nullable(),
				test: channelTestResult.optional(),
				balance: providerBalance.nullable().optional()
			})
		)
	})
	.meta({ id: 'ChannelBatchResult' });

export const userView = z
	.object({
		id: z.number().int(),
		username: z.string(),
		email: z.string().nullable(),
		role: z.enum(['user', 'admin', 'root']),
		status: z.enum(['active', 'disabled']),
		group: z.string(),
		quota: z.number().int().meta({ description: 'Balance in quota units (500,000 = 1 USD).' }),
		usedQuota: z.number().int(),
		requestCount: z.number().int(),
		lastLoginAt: when,
		createdAt: z.date(),
		updatedAt: z.date()
	})
	.meta({ id: 'User' });

export const apiKeyView = z
	.object({
		id: z.number().int(),
		userId: z.number().int(),
		name: z.string(),
		prefix: z.string(),
		status: z.enum(['active', 'disabled']),
		quotaLimit: z.number().int().nullable(),
		usedQuota: z.number().int(),
		requestCount: z.number().int(),
		expiresAt: when,
		allowedModels: z.array(z.string()),
		allowedIps: z.array(z.string()),
		rpmLimit: z.number().int().nullable(),
		tpmLimit: z.number().int().nullable(),
		lastUsedAt: when,
		createdAt: z.date(),
		updatedAt: z.date()
	})
	.meta({ id: 'ApiKey' });

export const createdApiKey = z
	.object({ key: z.string().meta({ description: 'The full key. It is shown this once and never again.' }), apiKey: apiKeyView })
	.meta({ id: 'CreatedApiKey' });

export const groupView = z
	.object({ name: z.string(), ratio: z.number(), description: z.string(), createdAt: z.date(), updatedAt: z.date() })
	.meta({ id: 'Group' });

export const priceView = z
	.object({
		model: z.string(),
		modelRatio: z.number(),
		completionRatio: z.number(),
		cacheReadRatio: z.number().nullable(),
		cacheWriteRatio: z.number().nullable(),
		pricePerRequestUsd: z.number().nullable(),
		defaultOutputReserve: z.number().int(),
		source: z.string().nullable(),
		createdAt: z.date(),
		updatedAt: z.date()
	})
	.meta({ id: 'ModelPrice' });

export const priceDefaultsResult = z
	.object({ added: z.number().int(), updated: z.number().int() })
	.meta({ id: 'PriceDefaultsResult' });

export const priceImportResult = z
	.object({
		prices: z.number().int().meta({ description: 'Model prices written (created or overwritten).' }),
		groups: z.number().int().meta({ description: 'Groups written (created or their ratio overwritten).' })
	})
	.meta({ id: 'PriceImportResult' });

export const tokenView = z
	.object({
		id: z.number().int(),
		name: z.string(),
		prefix: z.string(),
		scope: z.enum(['admin', 'read']),
		createdBy: z.number().int().nullable(),
		lastUsedAt: when,
		expiresAt: when,
		revokedAt: when,
		createdAt: z.date(),
		updatedAt: z.date()
	})
	.meta({ id: 'ManagementToken' });

export const createdToken = z
	.object({ token: z.string().meta({ description: 'The full token, shown this once.' }), managementToken: tokenView })
	.meta({ id: 'CreatedManagementToken' });

export const auditView = z
	.object({
		id: z.number().int(),
		actorId: z.number().int().nullable(),
		actorKind: z.string(),
		action: z.string(),
		targetType: z.string(),
		targetId: z.string().nullable(),
		before: z.unknown(),
		after: z.unknown(),
		ip: z.string().nullable(),
		createdAt: z.date()
	})
	.meta({ id: 'AuditEntry' });

export const deadLetterView = z
	.object({
		requestId: z.string(),
		userId: z.number().int().nullable(),
		entry: z.unknown().meta({ description: 'The settled call as the ledger held it (dates as ISO strings).' }),
		sqlstate: z.string().nullable().meta({ description: "PostgreSQL's SQLSTATE; null when the entry could not be encoded at all." }),
		reason: z.string().meta({ description: "The database's message, without parameters or row values." }),
		attempts: z.number().int().meta({ description: 'Writes that included the entry and failed.' }),
		firstFailedAt: z.date(),
		quarantinedAt: z.date()
	})
	.meta({ id: 'LedgerDeadLetter' });

export const optionsView = z
	.object(Object.fromEntries((Object.keys(optionDefinitions) as OptionKey[]).map((key) => [key, optionDefinitions[key].schema])))
	.meta({ id: 'Options' });

export const actorView = z
	.object({
		kind: z.enum(['user', 'token']),
		id: z.number().int().nullable(),
		role: z.enum(['user', 'admin', 'root']).optional(),
		scope: z.enum(['root', 'admin', 'read']).optional(),
		username: z.string().optional()
	})
	.meta({ id: 'Caller' });

export const redemptionView = z
	.object({
		id: z.number().int(),
		name: z.string(),
		prefix: z.string().meta({ description: 'The start of the code, to tell codes apart; the code itself is never stored.' }),
		quota: z.number().int(),
		amountUsd: z.number(),
		status: z.enum(['unused', 'used', 'disabled']),
		expired: z.boolean().meta({ description: 'Unused but past expiresAt: it can no longer be redeemed.' }),
		createdBy: z.number().int().nullable(),
		redeemedBy: z.number().int().nullable(),
		redeemedByUsername: z.string().nullable(),
		redeemedAt: when,
		expiresAt: when,
		createdAt: z.date(),
		updatedAt: z.date()
	})
	.meta({ id: 'RedemptionCode' });

export const createdRedemptions = z
	.object({
		codes: z
			.array(z.object({ id: z.number().int(), code: z.string(), prefix: z.string() }))
			.meta({ description: 'The codes in full. They are shown this once and never again (only hashes are stored).' }),
		redemption: z.object({
			name: z.string(),
			amountUsd: z.number(),
			quota: z.number().int(),
			count: z.number().int(),
			expiresAt: when
		})
	})
	.meta({ id: 'CreatedRedemptionCodes' });

export const redeemedView = z
	.object({
		credited: z.number().int().meta({ description: 'Quota units added to the balance.' }),
		creditedUsd: z.number(),
		balance: z.number().int().meta({ description: 'The balance right after the credit, in quota units.' })
	})
	.meta({ id: 'Redeemed' });

export const balanceAdjustedView = z
	.object({ userId: z.number().int(), delta: z.number().int(), balance: z.number().int(), changeId: z.number().int() })
	.meta({ id: 'BalanceAdjusted' });

export const balanceHistoryView = z
	.object({
		items: z.array(
			z.object({
				id: z.number().int(),
				delta: z.number().int(),
				deltaUsd: z.number(),
				balanceAfter: z.number().int().nullable(),
				reason: z.enum(['initial', 'redeem', 'admin', 'refund', 'topup', 'import']),
				reference: z.string().nullable(),
				note: z.string().nullable(),
				createdAt: z.date()
			})
		),
		next: z.number().int().nullable().meta({ description: 'Pass as ?before= for older changes; null when there are none.' })
	})
	.meta({ id: 'BalanceHistory' });

const adminOnly = <T extends z.ZodType>(schema: T) => schema.optional().meta({ description: 'Administrators and readers only.' });
const ratio = z.number().nullable();

export const logItemView = z
	.object({
		requestId: z.string().meta({ description: 'Made by the server; time-ordered.' }),
		clientRequestId: z.string().nullable(),
		createdAt: z.date(),
		userId: z.number().int(),
		username: adminOnly(z.string().nullable()),
		keyId: z.number().int().nullable(),
		keyName: z.string().nullable(),
		channelId: adminOnly(z.number().int().nullable()),
		channelName: adminOnly(z.string().nullable()),
		model: z.string(),
		upstreamModel: adminOnly(z.string().nullable()),
		door: z.string(),
		stream: z.boolean(),
		promptTokens: z.number().int(),
		completionTokens: z.number().int(),
		cacheReadTokens: z.number().int(),
		cacheWriteTokens: z.number().int(),
		reasoningTokens: z.number().int(),
		estimated: z.boolean().meta({ description: 'Usage counted locally: the upstream reported none.' }),
		usageClamped: z
			.boolean()
			.meta({ description: "The upstream's usage, or the cost it implied, was malformed or beyond the per-call ceiling: billed at the bound." }),
		modelRatio: ratio,
		completionRatio: ratio,
		groupRatio: ratio,
		cacheReadRatio: ratio,
		cacheWriteRatio: ratio,
		pricePerRequestUsd: ratio,
		cost: z.number().int().meta({ description: 'Quota units charged (500,000 = 1 USD).' }),
		costUsd: z.number(),
		status: z.number().int(),
		latencyMs: z.number().int().nullable(),
		firstTokenMs: z.number().int().nullable(),
		attempts: adminOnly(z.number().int()),
		error: z.string().nullable(),
		errorCode: z
			.string()
			.nullable()
			.meta({ description: 'The error `code` the client got (`model_not_found`, `insufficient_quota`, `upstream_timeout` …); null on success.' }),
		repeatCount: z
			.number()
			.int()
			.meta({
				description:
					"A call refused before any upstream (attempts 0, cost 0): the further refusals of the same key, since its previous refusal row, that were over `relay.refusal_logs_per_minute` and not logged one by one. 0 otherwise."
			}),
		clientIp: z.string().nullable()
	})
	.meta({ id: 'RequestLog' });

export const logPageView = z
	.object({
		items: z.array(logItemView),
		next: z.string().nullable().meta({ description: 'Pass as `before` for the next, older page; null on the last page.' })
	})
	.meta({ id: 'RequestLogPage' });

const usageSums = {
	requests: z.number().int(),
	failures: z.number().int().meta({ description: 'Calls that did not end with status 200.' }),
	promptTokens: z.number().int(),
	completionTokens: z.number().int(),
	cacheReadTokens: z.number().int(),
	cost: z.number().int().meta({ description: 'Quota units (500,000 = 1 USD).' }),
	costUsd: z.number()
};

export const usageReportView = z
	.object({
		from: z.string(),
		to: z.string(),
		groupBy: z.array(z.enum(['day', 'model', 'channel', 'user', 'key'])),
		rows: z.array(
			z.object({
				day: z.string().optional(),
				model: z.string().optional(),
				channelId: z.number().int().optional().meta({ description: '0 = no channel (refused before routing).' }),
				userId: z.number().int().optional(),
				keyId: z.number().int().optional().meta({ description: '0 = no API key.' }),
				...usageSums
			})
		),
		totals: z.object(usageSums)
	})
	.meta({ id: 'UsageReport' });

export const retentionResultView = z
	.object({
		deleted: z.number().int(),
		batches: z.number().int(),
		retentionDays: z.number().int().meta({ description: '0 = retention is off and nothing was deleted.' })
	})
	.meta({ id: 'RetentionRun' });

export const paymentOrderView = z
	.object({
		id: z.number().int(),
		userId: z.number().int(),
		amount: z.number().int().meta({ description: "In the currency's minor units (cents); once paid, what the provider says was paid." }),
		amountMajor: z.number().meta({ description: 'The amount in units of the currency (dollars).' }),
		currency: z.string(),
		quota: z.number().int().meta({ description: 'Quota to credit, or once paid, credited.' }),
		quotaUsd: z.number(),
		status: z.enum(['pending', 'paid', 'expired', 'refunded']),
		provider: z.string(),
		providerSessionId: z.string().nullable(),
		providerPaymentId: z.string().nullable(),
		providerEventIds: z.array(z.string()),
		createdAt: z.date(),
		updatedAt: z.date(),
		paidAt: when,
		refundedAt: when
	})
	.meta({ id: 'PaymentOrder' });

export const checkoutStartedView = z
	.object({ order: paymentOrderView, url: z.string().meta({ description: "The provider's payment page: send the browser there." }) })
	.meta({ id: 'CheckoutStarted' });

export const paymentSettingsView = z
	.object({
		enabled: z.boolean().meta({ description: 'Online payment is offered only when both secrets are set.' }),
		stripeSecretKey: z.string().meta({ description: "Masked; '' when unset." }),
		stripeWebhookSecret: z.string().meta({ description: "Masked; '' when unset." }),
		currency: z.string(),
		usdPerUnit: z.number(),
		minAmount: z.number(),
		maxAmount: z.number(),
		bonusTiers: z.array(z.object({ pay: z.number(), get: z.number() }))
	})
	.meta({ id: 'PaymentSettings' });

export const webhookOutcomeView = z
	.object({ received: z.literal(true), result: z.enum(['credited', 'expired', 'refunded', 'duplicate', 'ignored']) })
	.meta({ id: 'WebhookOutcome' });
