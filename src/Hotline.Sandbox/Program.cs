using Hotline.Sandbox.Cli;

return await CommandLine.RunAsync(args);
