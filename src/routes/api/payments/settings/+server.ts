import { paymentSettingsEndpoint, setPaymentSecretsEndpoint } from '$lib/server/api/specs/payments';

export const GET = paymentSettingsEndpoint;
export const PATCH = setPaymentSecretsEndpoint;
