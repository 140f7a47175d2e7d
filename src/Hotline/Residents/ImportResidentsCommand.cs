using Dapper;
using Hotline.Calls;
using Hotline.Infrastructure;
using Hotline.Needs;
using Hotline.Wellness;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Residents;

// dotnet Hotline.dll import-residents residents.csv
// The same import as the console's, from a shell, with a progress bar for large files. Exit code 0: every row
// imported; 2: imported, but some rows were rejected (listed); 1: nothing imported.
public static class ImportResidentsCommand
{
    public const string Name = "import-residents";
    const int ErrorsShown = 50;

    public static async Task<int> RunAsync(IConfiguration config, string[] args, TextWriter? output = null, bool? redirected = null)
    {
        var console = output ?? Console.Out;
        var problems = output ?? Console.Error;
        if (args.Length != 1)
        {
            problems.WriteLine($"usage: Hotline {Name} <file.csv>");
            return 1;
        }

        var path = args[0];
        if (!File.Exists(path))
        {
            problems.WriteLine($"{path}: no such file");
            return 1;
        }

        var connectionString = config.GetConnectionString("Hotline");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            problems.WriteLine("ConnectionStrings:Hotline is not set (ConnectionStrings__Hotline).");
            return 1;
        }

        DefaultTypeMap.MatchNamesWithUnderscores = true;
        await using var db = NpgsqlDataSource.Create(connectionString);
        var hotline = Options.Create(Section<HotlineOptions>(config, "Hotline"));
        var vocabulary = new ResidentVocabulary(Options.Create(Section<ResidentOptions>(config, "Residents")),
            Options.Create(Section<NeedOptions>(config, "Needs")), Options.Create(Section<WellnessOptions>(config, "Wellness")),
            Options.Create(Section<IvrOptions>(config, "Ivr")));
        var importer = new ResidentImporter(db, new Phones(hotline), vocabulary, hotline);

        await using var file = File.OpenRead(path);
        var bar = new ProgressBar(console, redirected ?? Console.IsOutputRedirected);
        ImportResult result;
        try
        {
            result = await importer.ImportAsync(file, file.Length, $"{Name} {Path.GetFileName(path)}", staffId: null,
                DateTime.UtcNow, new SynchronousProgress(bar.Show), CancellationToken.None);
        }
        catch (InvalidDataException e)
        {
            bar.Done();
            problems.WriteLine($"{path}: {e.Message}");
            return 1;
        }

        bar.Done();
        console.WriteLine($"{result.Rows} rows: {result.Inserted} new, {result.Updated} updated, {result.Unchanged} unchanged, " +
                          $"{result.Rejected} rejected, {result.Superseded} superseded by a later line");
        foreach (var column in result.IgnoredColumns)
        {
            console.WriteLine($"column '{column}' is not a registry column and was ignored");
        }

        foreach (var duplicate in result.Duplicates.Take(ErrorsShown))
        {
            console.WriteLine($"line {duplicate.Line}: {duplicate.Phone} again on line {duplicate.KeptLine}, which wins");
        }

        foreach (var error in result.Errors.Take(ErrorsShown))
        {
            console.WriteLine($"line {error.Line}: {error.Reason}");
        }

        if (result.Rejected > ErrorsShown)
        {
            console.WriteLine($"... and {result.Rejected - ErrorsShown} more rejected rows");
        }

        return result.Rejected > 0 ? 2 : 0;
    }

    static T Section<T>(IConfiguration config, string name) where T : new() => config.GetSection(name).Get<T>() ?? new T();

    // Progress<T> posts to the thread pool, so reports could arrive after the summary; this one draws at once.
    sealed class SynchronousProgress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}

// [##########----------]  50%  12,500 rows, redrawn in place on a terminal; a line per tenth when the output is a file.
public sealed class ProgressBar(TextWriter output, bool redirected)
{
    const int Width = 30;
    int lastTenth = -1;
    bool drawn;

    public void Show(ImportProgress progress)
    {
        var fraction = progress.TotalBytes is > 0 ? Math.Clamp((double)progress.Bytes / progress.TotalBytes.Value, 0, 1) : 0;
        var text = $"{(int)(fraction * 100),3}%  {progress.Rows:N0} rows";
        if (redirected)
        {
            var tenth = (int)(fraction * 10);
            if (tenth != lastTenth)
            {
                lastTenth = tenth;
                output.WriteLine(text);
            }

            return;
        }

        var filled = (int)(fraction * Width);
        output.Write($"\r[{new string('#', filled)}{new string('-', Width - filled)}] {text}");
        drawn = true;
    }

    public void Done()
    {
        if (drawn)
        {
            output.WriteLine();
            drawn = false;
        }
    }
}
