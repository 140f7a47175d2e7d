namespace Hotline.Sandbox.Cli;

public static class CommandLine
{
    private const string Usage = """
        Twilio sandbox for the hotline.

          serve (default)    --urls http://127.0.0.1:5090 --app http://127.0.0.1:5080 --account-sid AC... --auth-token T [--speed 1]
          simulate call      --app URL --auth-token T --from +8613800000001 [--to N] [--press 1 --press 2@3s --press none]
                             [--hangup-after 40s] [--hangup-at gather|gather:2|record|queue|dial|say:words] [--press-in-queue 1]
                             [--record 15s --transcript "text"] [--talk 30s] [--speed 60] [--sandbox URL]
          simulate sms       --app URL --auth-token T --from N --body "text" [--to N] [--sandbox URL]
          scenario run FILE  --app URL --auth-token T [--speed 60] [--sandbox URL] [--verbose]

        Options also come from the environment: Sandbox__AppBaseUrl, Sandbox__AccountSid, Sandbox__AuthToken, Sandbox__Speed.
        --sandbox URL places the calls through a running sandbox, so they share its queues with calls the app places.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var parsed = Args.Parse(args);
            if (parsed.Has("help"))
            {
                Console.WriteLine(Usage);
                return 0;
            }

            var command = string.Join(' ', parsed.Positional.Take(2));
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                stop.Cancel();
            };

            return parsed.Positional.FirstOrDefault() switch
            {
                null or "serve" => await ServeCommand.RunAsync(parsed, stop.Token),
                "simulate" when command == "simulate call" => await SimulateCommand.CallAsync(parsed, stop.Token),
                "simulate" when command == "simulate sms" => await SimulateCommand.SmsAsync(parsed, stop.Token),
                "scenario" when command == "scenario run" && parsed.Positional.Count == 3 =>
                    await ScenarioCommand.RunAsync(parsed, parsed.Positional[2], stop.Token),
                _ => Fail($"Unknown command '{string.Join(' ', parsed.Positional)}'."),
            };
        }
        catch (Exception e) when (e is ArgumentException or FormatException or FileNotFoundException or System.Text.Json.JsonException)
        {
            return Fail(e.Message);
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        Console.Error.WriteLine();
        Console.Error.WriteLine(Usage);
        return 2;
    }
}
