using System.Net;
using System.Net.Http.Json;
using System.Text;
using Dapper;
using Hotline.Residents;
using Hotline.Staff;
using Hotline.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Tests.Residents;

public sealed class ResidentImportTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    // Line numbers are the file's own: the header is line 1, and the quoted care note of Chen Jing spans lines 11-12.
    const string MixedFile =
        "Name,Phone,Address,Building,Unit,Language,Flags,Care Notes,Emergency Contact,Shoe size\r\n" + // 1
        "Wang Fang,138 0013 8001,12 Lane 3,B7,402,zh,elderly alone,,Son 139 0000 0001,38\r\n" +      // 2 superseded by 7
        "Li Wei,+86 139-0013-8002,5 Road 1,A1,101,en-US,dialysis;Disabled,Tue/Thu/Sat dialysis,,41\r\n" + // 3
        "Bad Phone,12,,,,,,,,\r\n" +                                                                   // 4 bad phone
        "Unknown Flag,13800138003,,,,,vip,,,\r\n" +                                                    // 5 bad flag
        "Zhang San,(010) 6552 9988,,,,,,,,\r\n" +                                                      // 6 Beijing landline
        "Wang Fang (moved),+8613800138001,9 Lane 8,C2,301,zh-CN,elderly_alone,,,\r\n" +               // 7 wins over 2
        ",,,,,,,,,\r\n" +                                                                              // 8 no phone
        "Marie,13800138004,,,,fr,,,,\r\n" +                                                            // 9 bad language
        "\"Broken\"x,13800138005,,,,,,,,\r\n" +                                                        // 10 malformed
        "Chen Jing,0086 138 0013 8006,,,,,pregnant,\"Due in May;\r\nneeds a lift\",,\r\n" +            // 11-12
        "Zhou,not a number,,,,,,,,\r\n";                                                               // 13 bad phone

    ResidentImporter Importer => Fixture.Factory.Services.GetRequiredService<ResidentImporter>();

    Task<ImportResult> ImportAsync(string csv) =>
        Importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), null, "test", null, DateTime.UtcNow, null, CancellationToken.None);

    [Fact]
    public async Task Import_takes_the_good_rows_reports_the_bad_ones_by_line_and_the_last_duplicate_wins()
    {
        var result = await ImportAsync(MixedFile);

        Assert.Equal(11, result.Rows);
        Assert.Equal(4, result.Inserted);
        Assert.Equal(0, result.Updated);
        Assert.Equal(6, result.Rejected);
        Assert.Equal(1, result.Superseded);
        Assert.Equal([4, 5, 8, 9, 10, 13], result.Errors.Select(e => e.Line));
        Assert.Contains("phone '12' is not a phone number", result.Errors[0].Reason);
        Assert.Contains("unknown flag 'vip'", result.Errors[1].Reason);
        Assert.Equal("phone is empty", result.Errors[2].Reason);
        Assert.Contains("unknown language 'fr'", result.Errors[3].Reason);
        Assert.Contains("malformed", result.Errors[4].Reason);
        Assert.Contains("not a number", result.Errors[5].Reason);
        Assert.Equal(new ImportDuplicate(2, "+86*******8001", 7), Assert.Single(result.Duplicates));
        Assert.Equal(["shoe_size"], result.IgnoredColumns.Select(ResidentVocabulary.NormaliseFlag));

        await using var conn = await Db.OpenConnectionAsync();
        var residents = (await conn.QueryAsync<Resident>("SELECT * FROM residents ORDER BY phone")).ToDictionary(r => r.Phone);
        Assert.Equal(["+861065529988", "+8613800138001", "+8613800138006", "+8613900138002"], residents.Keys.Order(StringComparer.Ordinal));
        var wang = residents["+8613800138001"];
        Assert.Equal(("Wang Fang (moved)", "9 Lane 8", "C2", "301", "zh-CN"), (wang.Name, wang.Address, wang.Building, wang.Unit, wang.Language));
        Assert.Equal(["elderly_alone"], wang.Flags);
        Assert.Null(wang.EmergencyContact);
        var li = residents["+8613900138002"];
        Assert.Equal(["dialysis", "disabled"], li.Flags);
        Assert.Equal(("en-US", "Tue/Thu/Sat dialysis"), (li.Language, li.CareNotes));
        Assert.Equal("Due in May;\r\nneeds a lift", residents["+8613800138006"].CareNotes);
        Assert.Equal(4, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_log WHERE entity = 'resident' AND action = 'imported'"));
    }

    [Fact]
    public async Task Reimport_updates_by_phone_keeps_columns_the_file_lacks_and_counts_unchanged_rows()
    {
        // A caller who chose English on the phone is already a bare resident.
        await ExecuteAsync("INSERT INTO residents (phone, language) VALUES ('+8613800138001', 'en-US')");

        var first = await ImportAsync("phone,name,flags,care_notes\n13800138001,Wang Fang,elderly_alone,Lives on the 6th floor\n13800138002,Li Wei,dialysis,\n");
        Assert.Equal((1, 1, 0), (first.Inserted, first.Updated, first.Unchanged));

        // Same number in another format; flags now empty (no longer flagged), care notes column absent.
        var second = await ImportAsync("Phone,Name,Flags\n+86 138 0013 8001,Wang Fang,\n+86 138 0013 8002,Li Wei,dialysis\n");
        Assert.Equal((0, 1, 1), (second.Inserted, second.Updated, second.Unchanged));

        var wang = await RowAsync<Resident>("SELECT * FROM residents WHERE phone = '+8613800138001'");
        Assert.Equal("en-US", wang!.Language);
        Assert.Empty(wang.Flags);
        Assert.Equal("Lives on the 6th floor", wang.CareNotes);
        Assert.Equal(2, await ScalarAsync<int>("SELECT count(*) FROM residents"));
        Assert.Equal(2, await ScalarAsync<int>("SELECT count(*) FROM audit_log WHERE action = 'updated_by_import'"));
    }

    [Fact]
    public async Task A_file_without_a_phone_column_is_refused_whole()
    {
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ImportAsync("name,address\nWang Fang,12 Lane 3\n"));

        Assert.Contains("phone column", error.Message);
        Assert.Equal(0, await ScalarAsync<int>("SELECT count(*) FROM residents"));
    }

    [Fact]
    public async Task Supervisors_import_through_the_api_as_a_file_or_a_body_and_operators_may_not()
    {
        await StaffLogin.AddStaffAsync(Fixture, "sup", Roles.Supervisor);
        await StaffLogin.AddStaffAsync(Fixture, "op", Roles.Operator);
        using var supervisor = await StaffLogin.LoggedInAsync(Fixture, "sup");
        using var operatorClient = await StaffLogin.LoggedInAsync(Fixture, "op");

        using var multipart = new MultipartFormDataContent
        {
            { new ByteArrayContent(Encoding.UTF8.GetBytes(MixedFile)), "file", "residents.csv" },
        };
        var upload = await supervisor.PostAsync("/api/residents/import", multipart);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        var result = await upload.Content.ReadFromJsonAsync<ImportResult>();
        Assert.Equal((4, 6, 1), (result!.Inserted, result.Rejected, result.Superseded));
        // What the console's registry panel lists: each bad row by its line in the file, and the superseded duplicate.
        Assert.Equal([4, 5, 8, 9, 10, 13], result.Errors.Select(e => e.Line));
        Assert.Equal((2, 7), (result.Duplicates[0].Line, result.Duplicates[0].KeptLine));

        var body = await supervisor.PostAsync("/api/residents/import", new StringContent("phone,name\n13800138007,Sun Li\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(1, (await body.Content.ReadFromJsonAsync<ImportResult>())!.Inserted);

        var noHeader = await supervisor.PostAsync("/api/residents/import", new StringContent("13800138008,Sun Li\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, noHeader.StatusCode);

        var refused = await operatorClient.PostAsync("/api/residents/import", new StringContent("phone\n13800138009\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(5, await ScalarAsync<int>("SELECT count(*) FROM residents"));
    }

    [Fact]
    public async Task Export_defuses_formulas_and_reads_back_unchanged()
    {
        await ImportAsync("phone,name,address,flags,care_notes\n13800138001,\"=HYPERLINK(\"\"http://x\"\")\",\"12 Lane 3, B7\",elderly_alone;dialysis,\"-2 steps, \"\"ramp\"\"\"\n13800138002,Li Wei,,,\n");
        await StaffLogin.AddStaffAsync(Fixture, "sup", Roles.Supervisor);
        using var supervisor = await StaffLogin.LoggedInAsync(Fixture, "sup");

        var response = await supervisor.GetAsync("/api/residents.csv");
        var csv = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/csv; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.StartsWith("phone,name,address,building,unit,language,flags,care_notes,emergency_contact,updated_at\r\n", csv);
        Assert.Contains("\"'=HYPERLINK(\"\"http://x\"\")\"", csv);
        Assert.Contains("dialysis;elderly_alone", csv);

        var again = await ImportAsync(csv);
        Assert.Equal((0, 0, 2, 0), (again.Inserted, again.Updated, again.Unchanged, again.Rejected));
        Assert.Equal(["updated_at"], again.IgnoredColumns);
        Assert.Equal("=HYPERLINK(\"http://x\")", await ScalarAsync<string>("SELECT name FROM residents WHERE phone = '+8613800138001'"));
        Assert.Equal("-2 steps, \"ramp\"", await ScalarAsync<string>("SELECT care_notes FROM residents WHERE phone = '+8613800138001'"));
    }

    [Fact]
    public async Task The_command_imports_a_file_with_a_progress_bar_and_lists_the_bad_rows()
    {
        var path = Path.Combine(Path.GetTempPath(), $"residents-{Guid.NewGuid():N}.csv");
        var file = new StringBuilder("phone,name,flags\n");
        for (var i = 0; i < 2_000; i++)
        {
            file.Append($"1380100{i:D4},Resident {i},{(i % 3 == 0 ? "elderly_alone" : "")}\n");
        }

        file.Append("12,Too short,\n");
        await File.WriteAllTextAsync(path, file.ToString());
        var output = new StringWriter();
        try
        {
            var config = Fixture.Factory.Services.GetRequiredService<IConfiguration>();
            var exit = await ImportResidentsCommand.RunAsync(config, [path], output, redirected: false);

            Assert.Equal(2, exit);
        }
        finally
        {
            File.Delete(path);
        }

        var text = output.ToString();
        Assert.Contains("\r[###", text);
        Assert.Contains("100%", text);
        Assert.Contains("2001 rows: 2000 new, 0 updated, 0 unchanged, 1 rejected", text);
        Assert.Contains("line 2002: phone '12' is not a phone number", text);
        Assert.Equal(2_000, await ScalarAsync<int>("SELECT count(*) FROM residents"));
        Assert.Equal(667, await ScalarAsync<int>("SELECT count(*) FROM residents WHERE 'elderly_alone' = ANY(flags)"));
    }

    [Fact]
    public async Task The_command_refuses_a_missing_file()
    {
        var output = new StringWriter();
        var exit = await ImportResidentsCommand.RunAsync(Fixture.Factory.Services.GetRequiredService<IConfiguration>(), ["/nonexistent.csv"], output);

        Assert.Equal(1, exit);
        Assert.Contains("no such file", output.ToString());
    }
}
