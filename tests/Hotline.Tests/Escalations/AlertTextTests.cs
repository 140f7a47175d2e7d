using Hotline.Escalations;
using Hotline.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Tests.Escalations;

// Alerts are read by people in a hurry: the category must be a word in their language, never a configuration key.
public sealed class AlertTextTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    static readonly DateTime Now = new(2026, 4, 10, 8, 0, 0, DateTimeKind.Utc);

    static LadderNeed Need(string category) => new()
    {
        Id = 7, Reference = "100017", Category = category, Urgency = "urgent", Status = "open", Phone = "+8613812345678",
        AckDeadline = Now.AddMinutes(-1), FulfilDeadline = Now.AddHours(3), CreatedAt = Now.AddMinutes(-6),
    };

    AlertTexts Texts => Fixture.Factory.Services.GetRequiredService<AlertTexts>();

    [Fact]
    public void A_chinese_speaking_supervisor_reads_the_category_in_chinese()
    {
        var sms = Texts.Sms(Need("urgent_medical"), AlertKind.Ack, "zh-CN", Now);

        Assert.Contains("紧急就医", sms);
        Assert.DoesNotContain("urgent", sms);
        Assert.Contains("6 分钟", sms);
    }

    [Fact]
    public void The_alert_call_names_the_category_in_the_staff_language()
    {
        Assert.Contains("home visit", Texts.Call(Need("home_visit"), AlertKind.Ack, "en-US", Now));
    }

    [Fact]
    public void A_category_without_a_configured_name_is_shown_as_words()
    {
        Assert.Contains("(boiled water, resident", Texts.Sms(Need("boiled_water"), AlertKind.Ack, "en-US", Now));
    }
}
