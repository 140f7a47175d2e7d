using Microsoft.Extensions.Options;

namespace Hotline.Reconciliation;

// Twilio has a fallback URL for the voice webhooks but none for status and transcription callbacks: when the instance
// they point at is down, they are lost (SIGKILL drill, docs/reliability.md). This sweep finds calls left without a
// final status and asks Twilio's REST API how they ended (CallReconciler); likewise voicemails without a transcript,
// marked "missing" (staff listen to them) when Twilio has none (TranscriptReconciler).
public sealed class ReconciliationSweeper(
    CallReconciler calls, TranscriptReconciler transcripts, IOptionsMonitor<ReconciliationOptions> options, TimeProvider clock,
    ILogger<ReconciliationSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(options.CurrentValue.SweepSeconds), clock, stoppingToken);
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Usually the database or Twilio being away; the next round tries again.
                logger.LogWarning("Reconciliation sweep skipped: {Message}", e.Message);
            }
        }
    }

    public async Task<ReconciliationResult> SweepAsync(CancellationToken ct)
    {
        var result = new ReconciliationResult();
        await calls.ReconcileAsync(result, ct);
        (result.TranscriptsFetched, result.TranscriptsMissing) = await transcripts.ReconcileAsync(ct);
        if (result.Settled + result.NotFound + result.TranscriptsFetched + result.TranscriptsMissing > 0)
        {
            logger.LogWarning(
                "Reconciliation: {Settled} calls settled from Twilio, {NotFound} unknown to Twilio, {Fetched} transcripts fetched, {Missing} transcripts missing",
                result.Settled, result.NotFound, result.TranscriptsFetched, result.TranscriptsMissing);
        }

        return result;
    }
}

public sealed class ReconciliationResult
{
    public int Settled { get; set; }
    public int NotFound { get; set; }
    public int StillLive { get; set; }
    public int TranscriptsFetched { get; set; }
    public int TranscriptsMissing { get; set; }
}
