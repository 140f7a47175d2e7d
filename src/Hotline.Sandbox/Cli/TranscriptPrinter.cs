using Hotline.Sandbox.Calls;
using Hotline.Sandbox.Messages;

namespace Hotline.Sandbox.Cli;

internal static class TranscriptPrinter
{
    private static readonly Lock Gate = new();

    public static void Step(string who, TranscriptStep step)
    {
        lock (Gate) Console.WriteLine($"{who} {step}");
    }

    public static void Summary(CallTranscript call)
    {
        lock (Gate)
        {
            Console.WriteLine();
            Console.WriteLine($"Call {call.CallSid} from {call.From} to {call.To}: {call.Status}, {call.DurationSeconds} s, ended by {call.EndedBy}");
            Console.WriteLine($"  heard:   {string.Join(" | ", call.Said)}");
            Console.WriteLine($"  pressed: {string.Join(", ", call.DigitsPressed)}");
            foreach (var request in call.Requests)
            {
                Console.WriteLine($"  {request.Status,3} {request.Method} {request.Url}{(request.Error is null ? "" : "  " + request.Error)}");
            }
        }
    }

    public static void Summary(SmsTranscript sms)
    {
        lock (Gate)
        {
            Console.WriteLine($"SMS {sms.MessageSid} from {sms.From} to {sms.To}: \"{sms.Body}\"");
            foreach (var request in sms.Requests)
            {
                Console.WriteLine($"  {request.Status,3} {request.Method} {request.Url}{(request.Error is null ? "" : "  " + request.Error)}");
            }

            foreach (var reply in sms.Replies)
            {
                Console.WriteLine($"  reply to {reply.To}: \"{reply.Body}\"");
            }

            if (sms.Replies.Count == 0)
            {
                Console.WriteLine("  no reply");
            }
        }
    }
}
