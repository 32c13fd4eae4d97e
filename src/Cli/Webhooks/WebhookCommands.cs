using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Sharemint.Client.Webhooks;

namespace Sharemint.Cli.Webhooks;

/// <summary>
/// <c>sharemint webhooks list | add | remove | test | deliveries | replay | failing</c>. With a partner key they act on
/// the partner's own endpoints; with an operator key and <c>--partner ID</c> on that partner's (<c>failing</c> is for
/// operators and spans every partner unless <c>--partner</c> narrows it).
/// </summary>
public static class WebhookCommands
{
    public static Command Create(CliGlobals g)
    {
        var partner = new Option<string?>("--partner") { Description = "Act on this partner's endpoints (operator key), e.g. partner-kraken" };
        var endpoint = new Argument<string>("endpoint") { Description = "Endpoint id, e.g. we_0123…" };

        var list = new Command("list", "List endpoints.") { partner };
        list.SetAction(async (parse, ct) =>
        {
            var account = parse.GetValue(partner);
            var endpoints = account is null
                ? await g.SignedPartner(parse).Webhooks.ListEndpointsAsync(ct)
                : await g.Admin(parse).ListWebhookEndpointsAsync(account, ct);
            g.Print(parse, endpoints, () =>
            {
                var table = new Table().AddColumns("Endpoint", "URL", "Events", "Created");
                foreach (var e in endpoints)
                {
                    table.AddRow(e.EndpointId, Markup.Escape(e.Url), string.Join(' ', e.EventTypes), e.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
                }
                AnsiConsole.Write(table);
            });
            return 0;
        });

        var url = new Argument<string>("url") { Description = "https URL that receives the events" };
        var events = new Option<string[]>("--event")
        {
            Description = "Event type to receive (repeat, or comma-separate): " + string.Join(", ", AllTypes),
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var add = new Command("add", "Register an endpoint; prints its signing secret, shown only this once.") { url, events, partner };
        add.SetAction(async (parse, ct) =>
        {
            if (!Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out var target))
            {
                throw new CliUsageException($"'{parse.GetValue(url)}' is not an absolute URL.");
            }
            var types = parse.GetValue(events)!.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
            var account = parse.GetValue(partner);
            var issued = account is null
                ? await g.SignedPartner(parse).Webhooks.CreateEndpointAsync(target, types, ct)
                : await g.Admin(parse).CreateWebhookEndpointAsync(account, target, types, ct);
            g.Print(parse, issued, () =>
            {
                Console.WriteLine($"registered {issued.EndpointId} for {string.Join(", ", issued.EventTypes)}");
                Console.WriteLine($"secret {issued.Secret}  (verify deliveries with it; it is not shown again)");
            });
            return 0;
        });

        var remove = new Command("remove", "Remove an endpoint; its undelivered events are dropped.") { endpoint, partner };
        remove.SetAction(async (parse, ct) =>
        {
            var (id, account) = (parse.GetValue(endpoint)!, parse.GetValue(partner));
            if (account is null)
            {
                await g.SignedPartner(parse).Webhooks.DeleteEndpointAsync(id, ct);
            }
            else
            {
                await g.Admin(parse).DeleteWebhookEndpointAsync(account, id, ct);
            }
            g.Print(parse, new { endpointId = id, removed = true }, () => Console.WriteLine($"removed {id}"));
            return 0;
        });

        var test = new Command("test", "Send a signed webhook.test event now and show the receiver's answer (exit 7 when not delivered).") { endpoint, partner };
        test.SetAction(async (parse, ct) =>
        {
            var (id, account) = (parse.GetValue(endpoint)!, parse.GetValue(partner));
            var result = account is null
                ? await g.SignedPartner(parse).Webhooks.TestEndpointAsync(id, ct)
                : await g.Admin(parse).TestWebhookEndpointAsync(account, id, ct);
            g.Print(parse, result, () => Console.WriteLine(result.Delivered
                ? $"delivered {result.EventId}: HTTP {result.Status} in {result.DurationMs} ms"
                : $"not delivered {result.EventId}: {result.Error}"));
            return result.Delivered ? 0 : throw new CliCheckFailedException($"the endpoint did not accept the test event: {result.Error}");
        });

        var status = new Option<string?>("--status") { Description = "pending, delivered or abandoned" };
        status.AcceptOnlyFromAmong("pending", "delivered", "abandoned");
        var limit = new Option<int?>("--limit") { Description = "At most this many (default 50, up to 500)" };
        var deliveries = new Command("deliveries", "An endpoint's deliveries, newest first, with attempts and the last error.") { endpoint, status, limit, partner };
        deliveries.SetAction(async (parse, ct) =>
        {
            var (id, account) = (parse.GetValue(endpoint)!, parse.GetValue(partner));
            var found = account is null
                ? await g.SignedPartner(parse).Webhooks.ListDeliveriesAsync(id, parse.GetValue(status), parse.GetValue(limit), ct)
                : await g.Admin(parse).ListWebhookDeliveriesAsync(account, id, parse.GetValue(status), parse.GetValue(limit), ct);
            g.Print(parse, found, () =>
            {
                var table = new Table().AddColumns("Event", "Type", "Created", "Status", "Attempts", "Last status", "Last error");
                foreach (var d in found)
                {
                    table.AddRow(d.EventId, d.Type, d.CreatedAt.ToString("u", CultureInfo.InvariantCulture), d.Status,
                        d.Attempts.ToString(CultureInfo.InvariantCulture), d.LastStatus?.ToString(CultureInfo.InvariantCulture) ?? "",
                        Markup.Escape(d.LastError ?? ""));
                }
                AnsiConsole.Write(table);
            });
            return 0;
        });

        var eventId = new Argument<string>("event") { Description = "Event id, e.g. evt_0123…" };
        var only = new Option<string?>("--endpoint") { Description = "Only to this endpoint (default: every subscribed endpoint)" };
        var replay = new Command("replay", "Deliver an event again (same id and body, freshly signed).") { eventId, only, partner };
        replay.SetAction(async (parse, ct) =>
        {
            var (id, account) = (parse.GetValue(eventId)!, parse.GetValue(partner));
            var queued = account is null
                ? await g.SignedPartner(parse).Webhooks.ReplayEventAsync(id, parse.GetValue(only), ct)
                : await g.Admin(parse).ReplayWebhookEventAsync(account, id, parse.GetValue(only), ct);
            g.Print(parse, queued, () => Console.WriteLine($"queued {queued.EventId} for {string.Join(", ", queued.EndpointIds)}"));
            return 0;
        });

        var failing = new Command("failing", "Endpoints whose deliveries fail, longest failing first (operator key).") { partner, limit };
        failing.SetAction(async (parse, ct) =>
        {
            var found = await g.Admin(parse).ListFailingWebhookEndpointsAsync(parse.GetValue(partner), parse.GetValue(limit), ct);
            g.Print(parse, found, () =>
            {
                var table = new Table().AddColumns("Partner", "Endpoint", "URL", "Failing", "Abandoned", "Since", "Last delivered", "Last error");
                foreach (var f in found)
                {
                    table.AddRow(f.AccountId, f.EndpointId, Markup.Escape(f.Url), f.Failing.ToString(CultureInfo.InvariantCulture),
                        f.Abandoned.ToString(CultureInfo.InvariantCulture), f.FailingSince.ToString("u", CultureInfo.InvariantCulture),
                        f.LastDeliveredAt?.ToString("u", CultureInfo.InvariantCulture) ?? "never", Markup.Escape(f.LastError ?? ""));
                }
                AnsiConsole.Write(table);
            });
            return 0;
        });

        return new Command("webhooks", "Webhook endpoints and their deliveries (partner key; operator key with --partner).")
        {
            list, add, remove, test, deliveries, replay, failing,
        };
    }

    private static readonly string[] AllTypes =
    [
        WebhookEventTypes.OrderAccepted, WebhookEventTypes.OrderSettled, WebhookEventTypes.OrderFailed, WebhookEventTypes.OrderCancelled,
        WebhookEventTypes.DepositRedemptionCreated, WebhookEventTypes.DepositHeld, WebhookEventTypes.AssetMultiplierChanged,
    ];
}
